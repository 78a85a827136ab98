/*
 * fuzz_template.c: libFuzzer target for Mustache expansion.  The input is
 * split at the first NUL byte: what comes before is the template, what comes
 * after is the JSON data (as from a cheque).  The first byte picks the
 * escaping.  Data that is not JSON still expands the template over nothing.
 */
#include "config.h"
#include "kaspipos/template.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kp_template_options opt = KP_TEMPLATE_OPTIONS_INIT;
    kp_buf out = KP_BUF_INIT;
    kp_error err = { 0 };
    json_t *json = NULL, *partials = NULL;
    const char *text, *nul;
    size_t tmpl_len;

    if (size < 1)
        return 0;
    opt.escape = (kp_escape)(data[0] % 3);
    text = (const char *)data + 1;
    size--;
    nul = memchr(text, '\0', size);
    tmpl_len = nul ? (size_t)(nul - text) : size;
    if (nul) {
        json = json_loadb(nul + 1, size - tmpl_len - 1,
                          JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        /* The data's own "partials" object doubles as the partials. */
        partials = json_is_object(json) ? json_object_get(json, "partials") : NULL;
        opt.partials = json_is_object(partials) ? partials : NULL;
    }
    opt.max_output = 1u << 20;
    (void)kp_template_expand(text, tmpl_len, json, &opt, &out, &err);
    kp_buf_free(&out);
    json_decref(json);
    return 0;
}
