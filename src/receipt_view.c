/*
 * receipt_view.c: a cheque's template data computed as the template asks
 * for it (kp_template_render_with) instead of built whole beforehand.  The
 * root, receipt and response objects are stand-ins (empty objects made once
 * per renderer) whose members come from the same functions that
 * kp_receipt_data_build uses, so the text is the same, byte for byte; but a
 * receipt reads a few dozen members, and building and freeing all of them
 * in jansson was a fifth of printing it.  Values made for one render are
 * kept until it ends (the template engine remembers them) and then freed.
 * What does not change from one receipt to the next (a label, the
 * branding, which field a name is) is remembered by the expander.
 */
#include "config.h"
#include "receipt_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(KP_RECEIPT_FIELDS <= 32, "a view notes its made fields in 32 bits");

/* A name asked of the root, receipt, labels or branding and what it is
 * there, the same in every render: remembered by where the template keeps
 * the name, its bytes compared too (another template may be where a freed
 * one was). */
#define HINT_NAME 24
#define HINT_BITS 7
#define HINT_WAYS 4

typedef struct hint {
    const json_t *object;   /* NULL: free */
    const char *at;
    uint32_t len;
    char name[HINT_NAME];
    const json_t *value;    /* a label, the branding's member, or a stand-in */
    int field;              /* else the field's index; -1: none */
} hint;

struct kp_receipt_expander {
    json_t *labels;         /* the data's labels: the renderer's, or {} */
    json_t *branding;
    json_t *root, *receipt, *response;  /* the stand-ins */
    json_t *info;           /* response.chequeInfo's, when it is an object */
    hint hints[1u << HINT_BITS];
};

/* A copy of a response member made for this render, kept until it ends. */
typedef struct made {
    const json_t *from;
    json_t *value;          /* NULL: the member is not in the data */
} made;

typedef struct view {
    kp_receipt_expander *x;
    kp_receipt_source src;
    json_t *fields[2][KP_RECEIPT_FIELDS];     /* receipt.*, the envelope's */
    uint32_t done[2];                         /* which fields are made, by bit */
    made *made;
    size_t n, cap;
    kp_status status;       /* KP_ERR_NOMEM when a copy could not be kept */
} view;

kp_status kp_receipt_expander_new(const json_t *labels, const json_t *branding,
                                  kp_receipt_expander **out, kp_error *err)
{
    kp_receipt_expander *x = calloc(1, sizeof *x);

    *out = NULL;
    if (!x)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    x->labels = labels ? json_incref((json_t *)labels) : json_object();
    x->branding = branding ? json_incref((json_t *)branding) : json_object();
    x->root = json_object();
    x->receipt = json_object();
    x->response = json_object();
    x->info = json_object();
    if (!x->labels || !x->branding || !x->root || !x->receipt || !x->response || !x->info) {
        kp_receipt_expander_free(x);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    *out = x;
    return KP_OK;
}

void kp_receipt_expander_free(kp_receipt_expander *x)
{
    if (!x)
        return;
    json_decref(x->labels);
    json_decref(x->branding);
    json_decref(x->root);
    json_decref(x->receipt);
    json_decref(x->response);
    json_decref(x->info);
    free(x);
}

/* Field i of receipt.* or of the envelope, made once per render. */
static const json_t *field(view *v, bool envelope, int i)
{
    if (!(v->done[envelope] & (UINT32_C(1) << i))) {
        v->fields[envelope][i] = kp_receipt_field(&v->src, envelope, i);
        v->done[envelope] |= UINT32_C(1) << i;
    }
    return v->fields[envelope][i];
}

/* Keeps the copy of a response member (a new reference, may be NULL). */
static const json_t *keep(view *v, const json_t *from, json_t *value)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        made *grown = realloc(v->made, cap * sizeof *grown);
        if (!grown) {
            json_decref(value);
            v->status = KP_ERR_NOMEM;
            return NULL;
        }
        v->made = grown;
        v->cap = cap;
    }
    v->made[v->n].from = from;
    v->made[v->n].value = value;
    v->n++;
    return value;
}

/* A member made data by make(member): itself when it is, else a copy made
 * once per render. */
static const json_t *data_member(view *v, const json_t *member, json_t *(*make)(const json_t *))
{
    json_t *value = make(member);

    if (value == member) {
        json_decref(value);   /* shared: the cheque outlives the render */
        return member;
    }
    for (size_t i = 0; i < v->n; i++) {
        if (v->made[i].from == member) {   /* asked again: the template's memo forgot */
            json_decref(value);
            return v->made[i].value;
        }
    }
    return keep(v, member, value);
}

/* A member of the response.  chequeInfo, which receipts read a dozen
 * members of, is a stand-in whose members are made data one by one
 * (info_member) instead of all of it being checked or copied. */
static const json_t *response_member(view *v, const char *name, size_t len)
{
    const json_t *member = json_object_getn((json_t *)v->src.response, name, len);

    if (member && member == v->src.info && json_is_object(member))
        return v->x->info;
    return data_member(v, member, kp_receipt_response_member);
}

static const json_t *info_member(view *v, const char *name, size_t len)
{
    const json_t *member = json_object_getn((json_t *)v->src.info, name, len);

    return data_member(v, member, kp_receipt_response_grandchild);
}

/* What name is in object (root, receipt, labels or branding) in every
 * render: a value, or the index of the field it is. */
static void resolve(const kp_receipt_expander *x, const json_t *object, const char *name,
                    size_t len, hint *h)
{
    h->value = NULL;
    h->field = -1;
    if (object == x->labels || object == x->branding)
        h->value = json_object_getn((json_t *)object, name, len);
    else if (object == x->receipt)
        h->field = kp_receipt_field_index(false, name, len);
    else if (len == 8 && memcmp(name, "response", 8) == 0)
        h->value = x->response;
    else if (len == 7 && memcmp(name, "receipt", 7) == 0)
        h->value = x->receipt;
    else if (len == 6 && memcmp(name, "labels", 6) == 0)
        h->value = x->labels;
    else if (len == 8 && memcmp(name, "branding", 8) == 0)
        h->value = x->branding;
    else
        h->field = kp_receipt_field_index(true, name, len);
}

static bool is_hint(const hint *h, const json_t *object, const char *name, size_t len)
{
    return h->object == object && h->at == name && h->len == len &&
           memcmp(h->name, name, len) == 0;
}

/* The hint for name in object: one of HINT_WAYS places from its hash, the
 * first free one when it is new (else the first), resolved then. */
static const hint *find_hint(kp_receipt_expander *x, const json_t *object, const char *name,
                             size_t len)
{
    uint64_t key = ((uintptr_t)name ^ ((uintptr_t)object >> 4)) * UINT64_C(0x9E3779B97F4A7C15);
    size_t first = (size_t)(key >> (64 - HINT_BITS)), mask = (1u << HINT_BITS) - 1;
    hint *h = NULL;

    for (size_t i = 0; i < HINT_WAYS; i++) {
        hint *at = &x->hints[(first + i) & mask];
        if (is_hint(at, object, name, len))
            return at;
        if (!h && !at->object)
            h = at;
    }
    if (!h)
        h = &x->hints[first];
    h->object = object;
    h->at = name;
    h->len = (uint32_t)len;
    memcpy(h->name, name, len);
    resolve(x, object, name, len, h);
    return h;
}

static const json_t *lasting_member(view *v, const json_t *object, const char *name, size_t len)
{
    const hint *h;
    hint one;

    if (len <= HINT_NAME) {
        h = find_hint(v->x, object, name, len);
    } else {
        resolve(v->x, object, name, len, &one);
        h = &one;
    }
    return h->field >= 0 ? field(v, object == v->x->root, h->field) : h->value;
}

static const json_t *view_get(void *arg, const json_t *object, const char *name, size_t len)
{
    view *v = arg;
    const kp_receipt_expander *x = v->x;

    if (object == x->root || object == x->receipt || object == x->labels ||
        object == x->branding)
        return lasting_member(v, object, name, len);
    if (object == x->response)
        return response_member(v, name, len);
    if (object == x->info)
        return info_member(v, name, len);
    return json_object_getn((json_t *)object, name, len);
}

/* A slip, or a cheque whose response is not an object: the data built whole. */
static kp_status expand_built(kp_receipt_expander *x, const kp_receipt_document *doc,
                              kp_template *t, kp_buf *out, kp_error *err)
{
    json_t *data = NULL;
    kp_status st = kp_receipt_data_build_with(doc, x->labels, x->branding, &data, err);

    if (st == KP_OK)
        st = kp_template_render(t, data, out, err);
    json_decref(data);
    return st;
}

kp_status kp_receipt_expand(kp_receipt_expander *x, const kp_receipt_document *doc,
                            kp_template *t, kp_buf *out, kp_error *err)
{
    size_t before = out->len;
    kp_status st;
    view v;

    v.x = x;
    v.done[0] = v.done[1] = 0;  /* fields[] is read only where done says */
    v.made = NULL;
    v.n = v.cap = 0;
    v.status = KP_OK;
    kp_receipt_source_init(&v.src, doc, x->labels);
    if (!v.src.cheque || !json_is_object(v.src.response))
        return expand_built(x, doc, t, out, err);
    st = kp_template_render_with(t, x->root, view_get, &v, out, err);
    if (st == KP_OK && v.status != KP_OK) {
        st = kp_error_set(err, v.status, "out of memory");
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
    }
    for (int e = 0; e < 2; e++)
        for (uint32_t done = v.done[e]; done; done &= done - 1)
            json_decref(v.fields[e][__builtin_ctz(done)]);
    for (size_t i = 0; i < v.n; i++)
        json_decref(v.made[i].value);
    free(v.made);
    return st;
}
