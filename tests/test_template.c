/*
 * test_template.c: unit tests for the template room: each Mustache feature,
 * the ReceiptLine escaping of hostile values, every error message form,
 * bounds (depth, size, work), partials from a directory, and random
 * templates that must never crash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kaspipos/template.h"

static json_t *data_of(const char *json)
{
    json_error_t jerr;
    json_t *data = json ? json_loads(json, JSON_DECODE_ANY, &jerr) : NULL;
    if (json && !data)
        fail_msg("bad test JSON %s: %s", json, jerr.text);
    return data;
}

/* Expands tmpl over json with the options; fails the test on error. */
static char *expand_opt(const char *tmpl, const char *json, const kp_template_options *opt)
{
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    json_t *data = data_of(json);
    kp_status st = kp_template_expand(tmpl, strlen(tmpl), data, opt, &out, &err);

    json_decref(data);
    if (st != KP_OK)
        fail_msg("expanding \"%s\": %s", tmpl, err.message);
    return kp_buf_steal(&out, NULL);
}

static char *expand_mode(const char *tmpl, const char *json, kp_escape escape)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    opt.escape = escape;
    return expand_opt(tmpl, json, &opt);
}

#define assert_expands(tmpl, json, expected)                                    \
    do {                                                                        \
        char *got_ = expand_mode(tmpl, json, KP_ESCAPE_RECEIPT);                \
        assert_string_equal(got_, expected);                                    \
        free(got_);                                                             \
    } while (0)

#define assert_expands_mode(tmpl, json, mode, expected)                         \
    do {                                                                        \
        char *got_ = expand_mode(tmpl, json, mode);                             \
        assert_string_equal(got_, expected);                                    \
        free(got_);                                                             \
    } while (0)

/* Expands and expects failure with this status and message. */
static void assert_fails(const char *tmpl, const char *json, kp_status status, const char *message)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    json_t *data = data_of(json);

    opt.source = "t.receipt";
    assert_int_equal(kp_template_expand(tmpl, strlen(tmpl), data, &opt, &out, &err), status);
    assert_string_equal(err.message, message);
    assert_int_equal(out.len, 0);
    json_decref(data);
    kp_buf_free(&out);
}

static char *receipt_escaped(const char *s, size_t len)
{
    kp_buf out = KP_BUF_INIT;
    assert_int_equal(kp_template_escape_receipt(s, len, &out), KP_OK);
    return kp_buf_steal(&out, NULL);
}

#define assert_receipt(value, expected)                                         \
    do {                                                                        \
        char *got_ = receipt_escaped(value, sizeof(value) - 1);                 \
        assert_string_equal(got_, expected);                                    \
        free(got_);                                                             \
    } while (0)

/* --- features ------------------------------------------------------------- */

static void variables_and_names(void **state)
{
    (void)state;
    assert_expands("Hello {{name}}!", "{\"name\": \"Айгерим\"}", "Hello Айгерим!");
    assert_expands("{{a.b.c}}|{{a.x.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep|");
    assert_expands("[{{missing}}][{{n}}][{{f}}][{{o}}][{{l}}]",
                   "{\"n\": null, \"f\": false, \"o\": {\"k\": 1}, \"l\": [1]}", "[][][][][]");
    assert_expands("{{t}} {{ spaced }}", "{\"t\": true, \"spaced\": \"ok\"}", "true ok");
    assert_expands("{{#items}}<{{.}}>{{/items}}", "{\"items\": [\"a\", 2, 3.5]}", "<a><2><3.5>");
    assert_expands("{{.}}", "\"root\"", "root");
    assert_expands("{{x}}", NULL, "");
}

static void numbers_format_like_the_spec(void **state)
{
    (void)state;
    assert_expands("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
                   "{\"a\": 1.21, \"b\": 42, \"c\": -7, \"d\": 0.1, \"e\": 5.0, \"f\": 1e21}",
                   "1.21 42 -7 0.1 5 1e+21");
    assert_expands("{{big}}", "{\"big\": 9007199254740993}", "9007199254740993");
}

static void sections_lists_objects_and_truthiness(void **state)
{
    (void)state;
    assert_expands("{{#l}}{{n}},{{/l}}", "{\"l\": [{\"n\": 1}, {\"n\": 2}]}", "1,2,");
    assert_expands("{{#o}}{{k}} {{top}}{{/o}}", "{\"o\": {\"k\": \"in\"}, \"top\": \"up\"}", "in up");
    assert_expands("{{#s}}[{{.}}]{{/s}}", "{\"s\": \"val\"}", "[val]");
    /* Falsy: missing, null, false, [], "", 0, 0.0. */
    assert_expands("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{#d}}D{{/d}}{{#e}}E{{/e}}{{#f}}F{{/f}}"
                   "{{#g}}G{{/g}}",
                   "{\"b\": null, \"c\": false, \"d\": [], \"e\": \"\", \"f\": 0, \"g\": 0.0}", "");
    assert_expands("{{^a}}A{{/a}}{{^b}}B{{/b}}{{^f}}F{{/f}}{{^t}}T{{/t}}",
                   "{\"b\": null, \"f\": 0, \"t\": 1}", "ABF");
    assert_expands("{{#a}}{{#b}}{{#c}}{{x}}{{y}}{{z}}{{/c}}{{/b}}{{/a}}",
                   "{\"a\": {\"x\": 1, \"b\": {\"y\": 2, \"c\": {\"z\": 3}}}}", "123");
    assert_expands("{{#a.b}}yes{{/a.b}}{{^a.c}}no{{/a.c}}", "{\"a\": {\"b\": true}}", "yesno");
}

static void comments_delimiters_and_standalone_lines(void **state)
{
    (void)state;
    assert_expands("a{{! a comment }}b", "{}", "ab");
    assert_expands("a\n  {{! standalone }}\nb", "{}", "a\nb");
    assert_expands("{{=<% %>=}}<% x %>{{x}}<%={{ }}=%>{{x}}", "{\"x\": 1}", "1{{x}}1");
    assert_expands("{{#l}}\n  {{.}}\n{{/l}}\n", "{\"l\": [1, 2]}", "  1\n  2\n");
    assert_expands("| {{#a}}x{{/a}} |\r\n", "{\"a\": 1}", "| x |\r\n");
    assert_expands("{{#a}}\r\nA\r\n{{/a}}\r\nB", "{\"a\": 1}", "A\r\nB");
}

static void escape_modes(void **state)
{
    const char *json = "{\"v\": \"<a href=\\\"x\\\">&|</a>\"}";
    (void)state;
    assert_expands_mode("{{v}}", json, KP_ESCAPE_HTML, "&lt;a href=&quot;x&quot;&gt;&amp;|&lt;/a&gt;");
    assert_expands_mode("{{{v}}}", json, KP_ESCAPE_HTML, "<a href=\"x\">&|</a>");
    assert_expands_mode("{{v}}", json, KP_ESCAPE_NONE, "<a href=\"x\">&|</a>");
    assert_expands_mode("{{v}}", json, KP_ESCAPE_RECEIPT, "<a href=\\x22x\\x22>&\\|</a>");
}

static void compile_once_render_many(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *partials = json_pack("{s:s}", "row", "{{name}}|{{price}}\n");
    json_t *d1 = data_of("{\"l\": [{\"name\": \"Чай\", \"price\": 500}]}");
    json_t *d2 = data_of("{\"l\": [{\"name\": \"Кофе\", \"price\": 900}, {\"name\": \"Нан\", \"price\": 150}]}");
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    kp_template *t;
    const char *src = "{{#l}}{{>row}}{{/l}}";
    (void)state;

    opt.partials = partials;
    assert_int_equal(kp_template_compile(src, strlen(src), &opt, &t, &err), KP_OK);
    json_decref(partials); /* the template keeps its own reference */
    assert_int_equal(kp_template_render(t, d1, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "Чай|500\n");
    kp_buf_reset(&out);
    assert_int_equal(kp_template_render(t, d2, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "Кофе|900\nНан|150\n");
    /* render appends */
    assert_int_equal(kp_template_render(t, d1, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "Кофе|900\nНан|150\nЧай|500\n");
    kp_template_free(t);
    kp_buf_free(&out);
    json_decref(d1);
    json_decref(d2);
}

/* The renderer remembers names it looked up, for one render only: data
 * freed and made again (very likely at the same addresses) reads anew, and
 * a name found in an inner object is not taken for the outer one's. */
static void names_are_looked_up_anew_each_render(void **state)
{
    const char *src = "{{a.b.c}}/{{a.b.c}}/{{a.b}}/{{#a.b}}{{c}}{{x.y.z}}{{/a.b}}/{{x.y.z}}"
                      "/{{#list}}{{a.b.c}}{{/list}}";
    static const char *const data[][2] = {
        { "{\"a\": {\"b\": {\"c\": \"one\"}}, \"x\": {\"y\": {\"z\": \"Z\"}}, \"list\": [1, {\"a\": {\"b\": {\"c\": \"in\"}}}, {\"a\": 2}]}",
          "one/one//oneZ/Z/onein" },
        { "{\"a\": {\"b\": {\"c\": \"two\"}}, \"list\": [{\"a\": {\"b\": {}}}]}",
          "two/two//two//" },
        { "{\"a\": {\"b\": \"flat\"}, \"x\": {\"y\": 7}, \"list\": []}",
          "//flat///" },
        { "{\"a\": {\"b\": {\"c\": \"три\", \"x\": {\"y\": {\"z\": \"inner\"}}}}, \"x\": {\"y\": {\"z\": \"outer\"}}, \"list\": [{\"x\": 1}]}",
          "три/три//триinner/outer/три" },
    };
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    kp_template *t;
    (void)state;

    assert_int_equal(kp_template_compile(src, strlen(src), NULL, &t, &err), KP_OK);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof data / sizeof data[0]; i++) {
            json_t *d = data_of(data[i][0]);
            kp_buf_reset(&out);
            assert_int_equal(kp_template_render(t, d, &out, &err), KP_OK);
            assert_string_equal(kp_buf_str(&out), data[i][1]);
            json_decref(d);
        }
    }
    kp_template_free(t);
    kp_buf_free(&out);
}

/* A getter computes members of a stand-in object; other objects are looked
 * up as usual.  What it returns is remembered for the render. */
typedef struct computed {
    json_t *root, *price;
    int calls;
} computed;

static const json_t *computed_get(void *arg, const json_t *object, const char *name, size_t len)
{
    computed *c = arg;

    c->calls++;
    if (object != c->root)
        return json_object_getn((json_t *)object, name, len);
    if (len == 5 && memcmp(name, "price", 5) == 0)
        return c->price;
    if (len == 4 && memcmp(name, "item", 4) == 0)
        return c->root;     /* itself: item.item.price */
    return NULL;
}

static void members_can_be_computed(void **state)
{
    const char *src = "{{price}} {{item.price}} {{item.item.price}} {{#item}}{{price}}{{/item}}"
                      "{{missing}}{{^missing}}-{{/missing}}{{#list}}{{price}}{{/list}}";
    computed c = { json_object(), json_string("500 ₸"), 0 };
    json_t *list = data_of("{\"price\": \"real\"}");
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    kp_template *t;
    (void)state;

    assert_int_equal(kp_template_compile(src, strlen(src), NULL, &t, &err), KP_OK);
    assert_int_equal(kp_template_render_with(t, c.root, computed_get, &c, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "500 ₸ 500 ₸ 500 ₸ 500 ₸-");
    assert_true(c.calls <= 5);      /* price, item, missing, list: each once */
    /* a list found through the getter is a real object: looked up as usual */
    json_decref(c.price);
    c.price = list;
    c.calls = 0;
    kp_buf_reset(&out);
    src = "{{#item.price}}{{price}}{{/item.price}}";
    kp_template_free(t);
    assert_int_equal(kp_template_compile(src, strlen(src), NULL, &t, &err), KP_OK);
    assert_int_equal(kp_template_render_with(t, c.root, computed_get, &c, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "real");
    kp_template_free(t);
    kp_buf_free(&out);
    json_decref(c.root);
    json_decref(list);
}

static void nul_bytes_in_the_template_pass_through(void **state)
{
    static const char src[] = "a\0b{{x}}\0";
    kp_buf out = KP_BUF_INIT;
    json_t *data = data_of("{\"x\": \"X\"}");
    (void)state;
    assert_int_equal(kp_template_expand(src, sizeof src - 1, data, NULL, &out, NULL), KP_OK);
    assert_int_equal(out.len, 5);
    assert_memory_equal(out.data, "a\0bX\0", 5);
    kp_buf_free(&out);
    json_decref(data);
}

/* --- partials --------------------------------------------------------------- */

static void partials_from_object_with_indentation(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *partials = json_pack("{s:s, s:s}", "line", "A\n{{v}}\nB\n", "self", "{{>self}}");
    char *got;
    (void)state;

    opt.partials = partials;
    got = expand_opt("x\n  {{>line}}\ny {{>line}}{{>nowhere}}", "{\"v\": \"-\"}", &opt);
    assert_string_equal(got, "x\n  A\n  \\x2d\n  B\ny A\n\\x2d\nB\n");
    free(got);
    json_decref(partials);
}

static char *make_partials_dir(void)
{
    char *dir = strdup("/tmp/kp-template-test.XXXXXX");
    FILE *f;

    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/footer.mustache", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{{#thanks}}Рақмет, {{name}}!\n{{/thanks}}", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/broken.mustache", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("ok\n{{#open}}\n", f);
    fclose(f);
    return dir;
}

static void remove_partials_dir(char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/footer.mustache", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/broken.mustache", dir);
    unlink(path);
    rmdir(dir);
    free(dir);
}

static void partials_from_a_directory(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    char *dir = make_partials_dir(), *got, expected[512];
    json_t *data = data_of("{\"thanks\": true, \"name\": \"Асель\"}");
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    const char *src;
    (void)state;

    opt.partials_dir = dir;
    opt.source = "main";
    got = expand_opt("Итого\n  {{>footer}}\n", "{\"thanks\": true, \"name\": \"Асель\"}", &opt);
    assert_string_equal(got, "Итого\n  Рақмет, Асель!\n");
    free(got);

    src = "{{>missing}}";
    assert_int_equal(kp_template_expand(src, strlen(src), data, &opt, &out, &err), KP_ERR_NOT_FOUND);
    snprintf(expected, sizeof expected,
             "main:1:1: partial {{>missing}} not found: no file %s/missing.mustache", dir);
    assert_string_equal(err.message, expected);

    src = "x\n {{>../etc/passwd}}";
    assert_int_equal(kp_template_expand(src, strlen(src), data, &opt, &out, &err), KP_ERR_MALFORMED);
    assert_string_equal(err.message, "main:2:2: bad partial name {{>../etc/passwd}}: "
                                     "use letters, digits, '_', '-' and '.'");

    src = "{{>broken}}";
    assert_int_equal(kp_template_expand(src, strlen(src), data, &opt, &out, &err), KP_ERR_MALFORMED);
    snprintf(expected, sizeof expected, "%s/broken.mustache:2:1: unclosed section {{#open}}", dir);
    assert_string_equal(err.message, expected);
    assert_int_equal(out.len, 0);

    remove_partials_dir(dir);
    kp_buf_free(&out);
    json_decref(data);
}

static void template_from_a_file(void **state)
{
    char *dir = make_partials_dir(), path[256];
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *data = data_of("{\"thanks\": [1, 2], \"name\": \"Ерлан\"}");
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    snprintf(path, sizeof path, "%s/footer.mustache", dir);
    assert_int_equal(kp_template_expand_file(path, data, &opt, &out, &err), KP_OK);
    assert_string_equal(kp_buf_str(&out), "Рақмет, Ерлан!\nРақмет, Ерлан!\n");
    snprintf(path, sizeof path, "%s/broken.mustache", dir);
    kp_buf_reset(&out);
    assert_int_equal(kp_template_expand_file(path, data, &opt, &out, &err), KP_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "broken.mustache:2:1: unclosed section {{#open}}"));
    snprintf(path, sizeof path, "%s/none.mustache", dir);
    assert_int_equal(kp_template_expand_file(path, data, &opt, &out, &err), KP_ERR_IO);
    assert_non_null(strstr(err.message, "cannot read template"));
    assert_non_null(strstr(err.message, "No such file"));
    assert_int_equal(kp_template_expand_file(dir, data, &opt, &out, &err), KP_ERR_IO);
    remove_partials_dir(dir);
    kp_buf_free(&out);
    json_decref(data);
}

/* --- receipt escaping ------------------------------------------------------- */

static void receipt_escapes_markup_specials(void **state)
{
    (void)state;
    assert_receipt("a|b", "a\\|b");
    assert_receipt("{width:*}", "\\{width:*\\}");
    assert_receipt("C:\\dir", "C:\\\\dir");
    assert_receipt("{{x}}", "\\{\\{x\\}\\}");
    assert_receipt("\\x1b", "\\\\x1b");
    assert_receipt("_under_ \"bold\" `inv` ~t", "\\x5funder\\x5f \\x22bold\\x22 \\x60inv\\x60 \\x7et");
    assert_receipt("^^^", "\\x5e\\x5e\\x5e");
    assert_receipt("a;option:qrcode", "a\\x3boption:qrcode");
    assert_receipt("Қазақстан 1 000 ₸", "Қазақстан 1 000 ₸");
}

static void receipt_escapes_rules_only_when_alone(void **state)
{
    (void)state;
    assert_receipt("---", "\\x2d\\x2d\\x2d");
    assert_receipt("=", "\\x3d");
    assert_receipt("  --  ", "\\x2d\\x2d");
    assert_receipt("-\x1b-", "\\x2d\\x2d");
    assert_receipt("2024-01-15", "2024-01-15");
    assert_receipt("-=", "-=");
    assert_receipt("- -", "- -");
    assert_receipt("-500", "-500");
}

static void receipt_drops_controls_and_fixes_utf8(void **state)
{
    (void)state;
    assert_receipt("\x1b@Hi\x1dV\x01", "@HiV");
    assert_receipt("a\x7f" "b", "ab");
    assert_receipt("a\xc2\x85" "b\xc2\x9b" "c", "abc");          /* C1: NEL, CSI */
    assert_receipt("line1\nline2\r\nline3\rline4\tend", "line1 line2 line3 line4 end");
    assert_receipt("a\xe2\x80\xa8" "b", "a b");                   /* U+2028 */
    assert_receipt("bad\xff\xfe!", "bad\xef\xbf\xbd\xef\xbf\xbd!");
    assert_receipt("\xd0", "\xef\xbf\xbd");                        /* truncated */
    assert_receipt("ok\xef\xbf\xbd", "ok\xef\xbf\xbd");            /* a real U+FFFD stays */
    assert_receipt("\0x\0", "x");
    /* the fast paths for runs of ASCII and two-byte characters end right */
    assert_receipt("Ж\xd0", "Ж\xef\xbf\xbd");                   /* truncated after Cyrillic */
    assert_receipt("Ж\x80Ж", "Ж\xef\xbf\xbdЖ");                 /* a stray continuation */
    assert_receipt("a\xc2\xa0" "b", "a\xc2\xa0" "b");             /* NBSP stays */
    assert_receipt("\xc2\x85" "Да\xc2\x85", "Да");                /* C1 at both ends */
    assert_receipt("Да\tнет\r\nок", "Да нет ок");
    assert_receipt("Ә-Ә", "Ә-Ә");
    assert_receipt("—", "—");                                       /* three bytes */
}

static void receipt_trims_so_alignment_holds(void **state)
{
    (void)state;
    /* ReceiptLine: spaces before a column's text right-align it, spaces on both
     * sides centre it.  A value's own spaces must not change that. */
    assert_receipt("  500  ", "500");
    assert_receipt("\t\n 500\r\n", "500");
    assert_receipt("   ", "");
    assert_receipt("\x1b \x1b", "");
    assert_receipt("a  b", "a  b");
    assert_expands("|Сумма | {{sum}}|", "{\"sum\": \" 1 500 ₸ \"}", "|Сумма | 1 500 ₸|");
    assert_expands("{{a}}|{{b}}", "{\"a\": \"x \", \"b\": \" y\"}", "x|y");
}

static void receipt_markup_tags_keep_markup_but_not_controls(void **state)
{
    (void)state;
    assert_expands("{{{m}}}", "{\"m\": \"^Big|\\u001b@x\\r\\ny\\tz\"}", "^Big|@x\ny z");
    assert_expands("{{&m}}", "{\"m\": \"\\u0085-\"}", "-");
}

static void hostile_values_cannot_escape_their_column(void **state)
{
    const char *json = "{\"v\": \"|\\n{code:x}\\n---\\n=\\n\\u001bp\\u001dV\"}";
    (void)state;
    /* one line, one column: no new column, property, rule, cut or command */
    assert_expands("| {{v}} |", json, "| \\| \\{code:x\\} --- = pV |");
    assert_expands("{{v}}", "{\"v\": \"---\"}", "\\x2d\\x2d\\x2d");
    assert_expands("{{v}}", "{\"v\": \"=\"}", "\\x3d");
}

/* --- errors --------------------------------------------------------------- */

static void error_messages_name_place_and_expectation(void **state)
{
    (void)state;
    assert_fails("Итого\n  {{#loan}}\n", "{}", KP_ERR_MALFORMED,
                 "t.receipt:2:3: unclosed section {{#loan}}");
    assert_fails("{{^a}}\n", "{}", KP_ERR_MALFORMED, "t.receipt:1:1: unclosed section {{^a}}");
    assert_fails("{{#a}}\n\n\n{{#y}}x{{/x}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:4:8: unexpected {{/x}}, {{#y}} is open (opened at 4:1)");
    assert_fails("ok {{/x}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:4: unexpected {{/x}}: no section is open");
    assert_fails("Сумма {{sum", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:7: unclosed tag {{sum: expected }}");
    assert_fails("{{sum\n}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: unclosed tag {{sum: expected }}");
    assert_fails("{{#a}}{{/a}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:7: unclosed tag {{/a: expected }}");
    assert_fails("{{{raw}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: unclosed tag {{{raw: expected }}}");
    assert_fails("{{! never closed", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: unclosed tag {{!: expected }}");
    assert_fails("{{=<% %>=}}<%x", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:12: unclosed tag <%x: expected %>");
    assert_fails("{{}}", "{}", KP_ERR_MALFORMED, "t.receipt:1:1: empty tag {{}}: expected a name");
    assert_fails("{{# }}", "{}", KP_ERR_MALFORMED, "t.receipt:1:1: empty tag {{#}}: expected a name");
    assert_fails("{{a b}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: bad tag name \"a b\": a name cannot contain spaces");
    assert_fails("{{=<%=}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: bad delimiter tag {{=<%=}}: two delimiters are needed; expected "
                 "two delimiters separated by a space, e.g. {{=<% %>=}}");
    assert_fails("{{=< % >=}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: bad delimiter tag {{=< % >=}}: a delimiter cannot contain spaces; "
                 "expected two delimiters separated by a space, e.g. {{=<% %>=}}");
    assert_fails("{{=12345678901234567 x=}}", "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:1: bad delimiter tag {{=12345678901234567 x=}}: a delimiter is longer "
                 "than 16 bytes; expected two delimiters separated by a space, e.g. {{=<% %>=}}");
}

static void sections_nest_at_most_64(void **state)
{
    kp_buf src = KP_BUF_INIT;
    (void)state;
    for (int i = 0; i < 64; i++)
        kp_buf_puts(&src, "{{#a}}");
    for (int i = 0; i < 64; i++)
        kp_buf_puts(&src, "{{/a}}");
    assert_expands(src.data, "{\"a\": {}}", "");
    kp_buf_reset(&src);
    for (int i = 0; i < 100000; i++)
        kp_buf_puts(&src, "{{#a}}");
    assert_fails(src.data, "{}", KP_ERR_MALFORMED,
                 "t.receipt:1:385: sections nested deeper than 64");
    kp_buf_free(&src);
}

static void partial_recursion_is_bounded(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *partials = json_pack("{s:s, s:s}", "loop", "x{{>loop}}", "two", "{{>two}}{{>two}}");
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    opt.partials = partials;
    opt.source = "main";
    assert_int_equal(kp_template_expand("{{>loop}}", 9, NULL, &opt, &out, &err), KP_ERR_TOO_LARGE);
    assert_string_equal(err.message,
                        "loop:1:2: partials nested deeper than 32: does a partial include itself?");
    assert_int_equal(out.len, 0);
    /* 2^32 calls would never end: the work bound stops it */
    assert_int_equal(kp_template_expand("{{>two}}", 8, NULL, &opt, &out, &err), KP_ERR_TOO_LARGE);
    assert_int_equal(out.len, 0);
    kp_buf_free(&out);
    json_decref(partials);
}

static void output_and_work_are_bounded(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *data = json_pack("{s:[i,i,i,i,i,i,i,i,i,i], s:s}", "l", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                             "x", "0123456789");
    const char *src = "{{#l}}{{#l}}{{#l}}{{x}}{{/l}}{{/l}}{{/l}}";
    const char *busy = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}"
                       "{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}";
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    kp_buf_puts(&out, "kept");
    opt.max_output = 9999;
    opt.source = "big";
    assert_int_equal(kp_template_expand(src, strlen(src), data, &opt, &out, &err), KP_ERR_TOO_LARGE);
    assert_string_equal(err.message, "big: the expanded text is over 9999 bytes "
                                     "(a list in the data too long?)");
    assert_string_equal(kp_buf_str(&out), "kept");
    assert_int_equal(out.limit, 0);
    opt.max_output = 10000;
    assert_int_equal(kp_template_expand(src, strlen(src), data, &opt, &out, &err), KP_OK);
    assert_int_equal(out.len, 10004);

    assert_int_equal(kp_template_expand(busy, strlen(busy), data, &opt, &out, &err),
                     KP_ERR_TOO_LARGE);
    assert_non_null(strstr(err.message, "the template does too much work (lists within lists?)"));
    assert_true(strncmp(err.message, "big:1:", 6) == 0);
    kp_buf_free(&out);
    json_decref(data);
}

static void huge_templates_are_refused(void **state)
{
    size_t len = KP_TEMPLATE_MAX_SOURCE + 1;
    char *src = malloc(len);
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    (void)state;

    memset(src, 'x', len);
    assert_int_equal(kp_template_expand(src, len, NULL, NULL, &out, &err), KP_ERR_TOO_LARGE);
    assert_string_equal(err.message, "template: the template is over 4194304 bytes");
    assert_int_equal(kp_template_expand(src, len - 1, NULL, NULL, &out, &err), KP_OK);
    assert_int_equal(out.len, len - 1);
    free(src);
    kp_buf_free(&out);
}

/* --- robustness --------------------------------------------------------------- */

static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void random_template(uint32_t *seed, char *buf, size_t len)
{
    static const char *const pieces[] = {
        "{{", "}}", "{{{", "}}}", "{{#a}}", "{{/a}}", "{{^b}}", "{{/b}}", "{{>p}}", "{{>q}}",
        "{{=<% %>=}}", "<%", "%>", "{{!", "{{&", "{{.}}", "{{a.b}}", "\n", "  ", "\r\n", "x",
        "#", "/", "=", "\0", "\xff", "\xd0\x9a", "|", "\\", "{{l}}", "{{#l}}", "{{/l}}",
    };
    size_t i = 0;

    while (i < len) {
        if (next_random(seed) % 8 == 0) {
            buf[i++] = (char)(next_random(seed) & 0xFF);
            continue;
        }
        const char *piece = pieces[next_random(seed) % (sizeof pieces / sizeof pieces[0])];
        size_t n = piece[0] ? strlen(piece) : 1;
        if (n > len - i)
            n = len - i;
        memcpy(buf + i, piece, n);
        i += n;
    }
}

static void random_templates_never_crash(void **state)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *data = data_of("{\"a\": {\"b\": \"|x\\u001b\"}, \"b\": false, \"l\": [1, \"two\", {\"a\": 3}]}");
    json_t *partials = json_object();
    uint32_t seed = 20240601;
    char buf[300], partial[120];
    size_t ok = 0, failed = 0;
    (void)state;

    opt.partials = partials;
    for (int round = 0; round < 20000; round++) {
        size_t len = next_random(&seed) % sizeof buf;
        kp_buf out = KP_BUF_INIT;
        kp_error err = { 0 };
        kp_status st;

        random_template(&seed, buf, len);
        random_template(&seed, partial, sizeof partial);
        json_object_set_new(partials, "p", json_stringn(partial, next_random(&seed) % sizeof partial));
        opt.escape = (kp_escape)(round % 3);
        st = kp_template_expand(buf, len, data, &opt, &out, &err);
        if (st == KP_OK) {
            ok++;
        } else {
            failed++;
            assert_true(st == KP_ERR_MALFORMED || st == KP_ERR_TOO_LARGE);
            assert_true(err.message[0] != '\0');
            assert_int_equal(out.len, 0);
        }
        assert_true(out.len <= KP_TEMPLATE_MAX_OUTPUT);
        kp_buf_free(&out);
    }
    print_message("random templates: %zu expanded, %zu refused\n", ok, failed);
    assert_true(ok > 0 && failed > 0);
    json_decref(partials);
    json_decref(data);
}

/* Valid templates with a few bytes changed: most still expand, so the
 * renderer (not only the parser) sees odd shapes. */
static void mutated_templates_never_crash(void **state)
{
    static const char base[] =
        "{{=<% %>=}}<%#rows%>\n  <%label%> | <%value%>\n<%/rows%>\n<%={{ }}=%>"
        "{{#a}}\n {{>p}}\n{{/a}}{{^b}}-{{/b}}{{{a.b}}}{{&l}}{{! c }}\n{{#l}}{{.}}{{/l}}";
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    json_t *data = data_of("{\"rows\": [{\"label\": \"|\", \"value\": 1.5}], \"a\": {\"b\": \"x\"},"
                           " \"l\": [[1], {\"a\": null}]}");
    json_t *partials = json_pack("{s:s}", "p", "P{{#rows}}\n{{label}}\n{{/rows}}");
    uint32_t seed = 7;
    char buf[sizeof base];
    size_t ok = 0;
    (void)state;

    opt.partials = partials;
    for (int round = 0; round < 20000; round++) {
        kp_buf out = KP_BUF_INIT;
        memcpy(buf, base, sizeof base);
        for (int k = 1 + (int)(next_random(&seed) % 4); k > 0; k--)
            buf[next_random(&seed) % (sizeof base - 1)] = (char)(next_random(&seed) & 0xFF);
        opt.escape = (kp_escape)(round % 3);
        if (kp_template_expand(buf, sizeof base - 1, data, &opt, &out, NULL) == KP_OK)
            ok++;
        else
            assert_int_equal(out.len, 0);
        kp_buf_free(&out);
    }
    print_message("mutated templates: %zu of 20000 expanded\n", ok);
    assert_true(ok > 1000);
    json_decref(partials);
    json_decref(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(variables_and_names),
        cmocka_unit_test(numbers_format_like_the_spec),
        cmocka_unit_test(sections_lists_objects_and_truthiness),
        cmocka_unit_test(comments_delimiters_and_standalone_lines),
        cmocka_unit_test(escape_modes),
        cmocka_unit_test(compile_once_render_many),
        cmocka_unit_test(names_are_looked_up_anew_each_render),
        cmocka_unit_test(members_can_be_computed),
        cmocka_unit_test(nul_bytes_in_the_template_pass_through),
        cmocka_unit_test(partials_from_object_with_indentation),
        cmocka_unit_test(partials_from_a_directory),
        cmocka_unit_test(template_from_a_file),
        cmocka_unit_test(receipt_escapes_markup_specials),
        cmocka_unit_test(receipt_escapes_rules_only_when_alone),
        cmocka_unit_test(receipt_drops_controls_and_fixes_utf8),
        cmocka_unit_test(receipt_trims_so_alignment_holds),
        cmocka_unit_test(receipt_markup_tags_keep_markup_but_not_controls),
        cmocka_unit_test(hostile_values_cannot_escape_their_column),
        cmocka_unit_test(error_messages_name_place_and_expectation),
        cmocka_unit_test(sections_nest_at_most_64),
        cmocka_unit_test(partial_recursion_is_bounded),
        cmocka_unit_test(output_and_work_are_bounded),
        cmocka_unit_test(huge_templates_are_refused),
        cmocka_unit_test(random_templates_never_crash),
        cmocka_unit_test(mutated_templates_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
