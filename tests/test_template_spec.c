/*
 * test_template_spec.c: runs the Mustache spec (comments, interpolation,
 * sections, inverted, partials, delimiters) from $KASPI_SHARED_DIR/
 * mustache-spec/ against the template room with HTML escaping, one cmocka
 * test per spec test.  Skips (exit 77) when the spec is not there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kaspipos/template.h"

static const char *const spec_files[] = {
    "comments", "interpolation", "sections", "inverted", "partials", "delimiters",
};

static void run_spec_test(void **state)
{
    json_t *test = *state;
    const char *tmpl = json_string_value(json_object_get(test, "template"));
    const char *expected = json_string_value(json_object_get(test, "expected"));
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    kp_status st;

    assert_non_null(tmpl);
    assert_non_null(expected);
    opt.escape = KP_ESCAPE_HTML;
    opt.partials = json_object_get(test, "partials");
    opt.source = json_string_value(json_object_get(test, "name"));
    st = kp_template_expand(tmpl, strlen(tmpl), json_object_get(test, "data"), &opt, &out, &err);
    if (st != KP_OK)
        fail_msg("%s", err.message);
    assert_string_equal(kp_buf_str(&out), expected);
    kp_buf_free(&out);
}

/* Adds one cmocka test per spec test of FILE.json; returns how many. */
static size_t add_file(const char *dir, const char *file, struct CMUnitTest **tests, size_t *count,
                       json_t *keep)
{
    char path[4200];
    json_error_t jerr;
    json_t *doc, *list, *test;
    size_t i, added = 0;

    snprintf(path, sizeof path, "%s/%s.json", dir, file);
    doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        fprintf(stderr, "%s: %s\n", path, jerr.text);
        exit(1);
    }
    json_array_append_new(keep, doc);
    list = json_object_get(doc, "tests");
    json_array_foreach(list, i, test) {
        json_t *name = json_sprintf("%s: %s", file,
                                    json_string_value(json_object_get(test, "name")));
        json_array_append_new(keep, name);
        *tests = realloc(*tests, (*count + 1) * sizeof **tests);
        assert_non_null(*tests);
        (*tests)[(*count)++] =
            (struct CMUnitTest){ json_string_value(name), run_spec_test, NULL, NULL, test };
        added++;
    }
    if (added == 0) {
        fprintf(stderr, "%s has no tests\n", path);
        exit(1);
    }
    return added;
}

int main(void)
{
    const char *shared = getenv("KASPI_SHARED_DIR");
    char dir[4096];
    struct stat sb;
    struct CMUnitTest *tests = NULL;
    size_t count = 0;
    json_t *keep;
    int failed;

    if (!shared) {
        fprintf(stderr, "SKIP: KASPI_SHARED_DIR is not set\n");
        return 77;
    }
    snprintf(dir, sizeof dir, "%s/mustache-spec", shared);
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "SKIP: no Mustache spec in %s\n", dir);
        return 77;
    }
    keep = json_array();   /* made after the skips, so a skip leaks nothing */
    for (size_t i = 0; i < sizeof spec_files / sizeof spec_files[0]; i++)
        add_file(dir, spec_files[i], &tests, &count, keep);
    failed = _cmocka_run_group_tests("mustache-spec", tests, count, NULL, NULL);
    printf("Mustache spec: %zu of %zu tests passed\n", count - (size_t)failed, count);
    free(tests);
    json_decref(keep);
    return failed ? 1 : 0;
}
