/* cmd_profiles.c: `kaspi-pay profiles`: the printer profiles, one a line:
 * NAME<TAB>CHARS_PER_LINE<TAB>CODE_PAGE<TAB>description, from the file named
 * by $KASPI_PROFILES, `profiles =` in kaspi.conf, or the installed one. */
#include "config.h"
#include "cli.h"
#include "kaspipos/buf.h"
#include "kaspipos/profile.h"

#include <stdio.h>

int kp_cmd_profiles(kp_cli *cli)
{
    const char *file = kp_cli_setting(cli, NULL, "KASPI_PROFILES", "profiles", NULL);
    kp_profile_set *set;
    kp_buf out = KP_BUF_INIT;
    kp_error err;
    int code = KP_EXIT_OK;

    if (kp_profile_load(file, &set, &err) != KP_OK) {
        kp_cli_error("%s", err.message);
        return KP_EXIT_SETUP;
    }
    if (kp_profile_list_write(set, &out) != KP_OK ||
        fwrite(out.data ? out.data : "", 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        kp_cli_error("could not write the list of profiles");
        code = KP_EXIT_SETUP;
    }
    kp_buf_free(&out);
    kp_profile_set_free(set);
    return code;
}
