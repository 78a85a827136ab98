/* test_journal.c: unit tests for the write-ahead journal: atomic files that
 * survive a kill at any step, modes, the per-terminal lock, listing,
 * external keys and raw bodies kept byte for byte. */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kaspipos/journal.h"

/* ---------------------------------------------------------------- helpers */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static int make_tmp(void **state)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir;
    assert_true(asprintf(&dir, "%s/kp-journal-test.XXXXXX", base) > 0);
    assert_non_null(mkdtemp(dir));
    *state = dir;
    return 0;
}

static int remove_tmp(void **state)
{
    char *dir = *state;
    chmod(dir, 0700);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
    return 0;
}

static char *join(const char *a, const char *b)
{
    char *p;
    assert_true(asprintf(&p, "%s/%s", a, b) > 0);
    return p;
}

static kp_journal *open_journal(const char *dir)
{
    kp_journal *j = NULL;
    kp_error err;
    kp_status st = kp_journal_open(dir, &j, &err);
    if (st != KP_OK)
        fail_msg("open %s: %s", dir, err.message);
    return j;
}

static kp_journal_intent payment(long long amount)
{
    kp_journal_intent in = {0};
    in.operation = KP_JOURNAL_PAYMENT;
    in.amount = amount;
    in.terminal = "10.0.0.5:8080";
    return in;
}

static kp_journal_record *create(kp_journal *j, const kp_journal_intent *in)
{
    kp_journal_record *r = NULL;
    kp_error err;
    if (kp_journal_create(j, in, &r, &err) != KP_OK)
        fail_msg("create: %s", err.message);
    return r;
}

static kp_journal_record *load(kp_journal *j, const char *id)
{
    kp_journal_record *r = NULL;
    kp_error err;
    if (kp_journal_load(j, id, &r, &err) != KP_OK)
        fail_msg("load %s: %s", id, err.message);
    return r;
}

static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".tmp-") || strncmp(de->d_name, ".probe", 6) == 0)
            n++;
    closedir(d);
    return n;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ---------------------------------------------------------------- opening */

static void open_creates_directories_0700(void **state)
{
    char *dir = join(*state, "a/b/journal"), *parent = join(*state, "a");
    kp_journal *j = open_journal(dir);
    assert_string_equal(kp_journal_dir(j), dir);
    assert_int_equal(mode_of(dir), 0700);
    assert_int_equal(mode_of(parent), 0700);
    assert_int_equal(count_temp_files(dir), 0);     /* the probe is gone */
    kp_journal_free(j);
    free(dir);
    free(parent);
}

static void open_under_a_regular_file_is_setup_error(void **state)
{
    char *file = join(*state, "plain"), *dir = join(*state, "plain/journal");
    kp_journal *j = (kp_journal *)1;
    kp_error err;
    FILE *f = fopen(file, "w");
    char want[600];

    assert_non_null(f);
    fclose(f);
    /* fails for root too: a path under a regular file cannot be created */
    assert_int_equal(kp_journal_open(dir, &j, &err), KP_ERR_SETUP);
    assert_null(j);
    assert_int_equal(err.status, KP_ERR_SETUP);
    snprintf(want, sizeof want, "journal directory %s is not writable: ", dir);
    assert_memory_equal(err.message, want, strlen(want));
    assert_int_equal(kp_journal_open("/etc/passwd/x", &j, &err), KP_ERR_SETUP);
    assert_non_null(strstr(err.message, "journal directory /etc/passwd/x is not writable: "));
    free(file);
    free(dir);
}

/* A directory without write permission: tested as an ordinary user (root
 * drops to nobody in a child, since chmod does not stop root). */
static void open_without_write_permission_is_setup_error(void **state)
{
    char *dir = join(*state, "readonly");
    int status;
    pid_t pid;

    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(*state, 0755), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kp_journal *j;
        kp_error err;
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        if (kp_journal_open(dir, &j, &err) != KP_ERR_SETUP)
            _exit(1);
        _exit(strstr(err.message, "is not writable: Permission denied") ? 0 : 2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    chmod(dir, 0700);
    free(dir);
}

/* ---------------------------------------------------------------- records */

static void record_lifecycle_is_durable_and_complete(void **state)
{
    kp_journal *j = open_journal(*state), *j2;
    kp_journal_intent in = payment(1500);
    kp_journal_record *r, *back;
    kp_journal_print_request pr;
    const char *start = "{\"processId\": \"1579237873554\", \"status\": \"wait\"}";
    const char *final = "{\"status\": \"success\", \"transactionId\": \"T1\", \"chequeInfo\": {";
    kp_error err;
    const char *body;
    size_t len;

    in.print.printer = "receipts";
    in.print.format = "escpos";
    in.print.template_name = "payment-80mm";
    in.print.profile = "80mm";
    r = create(j, &in);
    assert_int_equal(kp_journal_record_state(r), KP_JOURNAL_INTENT);
    assert_int_equal(mode_of(kp_journal_record_path(r)), 0600);
    assert_non_null(strstr(kp_journal_record_id(r), "Z-"));

    /* the intent is on disk before create returns: a fresh journal sees it */
    j2 = open_journal(*state);
    back = load(j2, kp_journal_record_id(r));
    assert_int_equal(kp_journal_record_amount(back), 1500);
    assert_int_equal(kp_journal_record_operation(back), KP_JOURNAL_PAYMENT);
    assert_string_equal(kp_journal_record_terminal(back), "10.0.0.5:8080");
    assert_string_equal(kp_journal_record_api(back), "v1");
    assert_null(kp_journal_record_process_id(back));
    assert_null(kp_journal_record_start_response(back, &len));
    kp_journal_record_free(back);

    assert_int_equal(kp_journal_set_started(j, r, "1579237873554", start, strlen(start), &err), KP_OK);
    assert_int_equal(kp_journal_set_final(j, r, KP_JOURNAL_FINAL_SUCCESS, "T1", final,
                                          strlen(final), &err), KP_OK);
    assert_int_equal(kp_journal_set_cheque(j, r, "/j/cheques/x.json", &err), KP_OK);
    assert_int_equal(kp_journal_set_print_result(j, r, true, NULL, "receipts-42", &err), KP_OK);
    assert_int_equal(kp_journal_record_state(r), KP_JOURNAL_PRINTED);

    back = load(j2, kp_journal_record_id(r));
    assert_int_equal(kp_journal_record_state(back), KP_JOURNAL_PRINTED);
    assert_string_equal(kp_journal_record_process_id(back), "1579237873554");
    body = kp_journal_record_start_response(back, &len);
    assert_int_equal(len, strlen(start));
    assert_memory_equal(body, start, len);
    body = kp_journal_record_status_response(back, &len);   /* not JSON: kept verbatim */
    assert_int_equal(len, strlen(final));
    assert_memory_equal(body, final, len);
    assert_int_equal(kp_journal_record_final_status(back), KP_JOURNAL_FINAL_SUCCESS);
    assert_string_equal(kp_journal_record_transaction_id(back), "T1");
    assert_string_equal(kp_journal_record_cheque(back), "/j/cheques/x.json");
    assert_int_equal(kp_journal_record_print_ok(back), 1);
    assert_string_equal(kp_journal_record_print_job_id(back), "receipts-42");
    kp_journal_record_print_request(back, &pr);
    assert_string_equal(pr.printer, "receipts");
    assert_null(pr.output);
    assert_string_equal(pr.format, "escpos");
    assert_string_equal(pr.template_name, "payment-80mm");
    assert_string_equal(pr.profile, "80mm");
    assert_string_equal(kp_journal_record_created(back), kp_journal_record_created(r));
    assert_true(strcmp(kp_journal_record_updated(back), kp_journal_record_created(back)) >= 0);
    kp_journal_record_free(back);

    assert_int_equal(kp_journal_set_done(j, r, "printed", &err), KP_OK);
    back = load(j2, kp_journal_record_id(r));
    assert_int_equal(kp_journal_record_state(back), KP_JOURNAL_DONE);
    assert_string_equal(kp_journal_record_note(back), "printed");
    assert_int_equal(mode_of(kp_journal_record_path(back)), 0600);
    kp_journal_record_free(back);

    assert_int_equal(count_temp_files(*state), 0);
    kp_journal_record_free(r);
    kp_journal_free(j);
    kp_journal_free(j2);
}

static void refund_and_failed_print_are_recorded(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(10);
    kp_journal_record *r, *back;
    kp_error err;

    in.operation = KP_JOURNAL_REFUND;
    in.method = "qr";
    in.refund_transaction_id = "2001";
    in.api = "v2";
    in.print.output = "/tmp/out.pdf";
    r = create(j, &in);
    assert_int_equal(kp_journal_set_print_result(j, r, false, "printer is offline", NULL, &err), KP_OK);
    back = load(j, kp_journal_record_id(r));
    assert_int_equal(kp_journal_record_operation(back), KP_JOURNAL_REFUND);
    assert_string_equal(kp_journal_record_method(back), "qr");
    assert_string_equal(kp_journal_record_refund_transaction_id(back), "2001");
    assert_string_equal(kp_journal_record_api(back), "v2");
    assert_int_equal(kp_journal_record_state(back), KP_JOURNAL_PRINT_FAILED);
    assert_int_equal(kp_journal_record_print_ok(back), 0);
    assert_string_equal(kp_journal_record_print_error(back), "printer is offline");
    kp_journal_record_free(back);
    kp_journal_record_free(r);

    in.refund_transaction_id = NULL;   /* a refund must name its purchase */
    assert_int_equal(kp_journal_create(j, &in, &r, &err), KP_ERR_USAGE);
    in = payment(0);
    assert_int_equal(kp_journal_create(j, &in, &r, &err), KP_ERR_USAGE);
    assert_non_null(strstr(err.message, "amount 0"));
    kp_journal_free(j);
}

static void raw_bodies_are_kept_byte_for_byte(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(7);
    kp_journal_record *r, *back;
    static const char nul_body[] = "{\"status\":\"wa\0it\"}";
    static const char bad_utf8[] = "\xff\xfe<html>\xd0 502 Bad Gateway\x80";
    kp_buf file = KP_BUF_INIT;
    const char *body;
    kp_error err;
    size_t len;

    r = create(j, &in);
    assert_int_equal(kp_journal_set_started(j, r, NULL, nul_body, sizeof nul_body - 1, &err), KP_OK);
    assert_int_equal(kp_journal_record_state(r), KP_JOURNAL_INTENT);   /* no processId */
    assert_int_equal(kp_journal_set_status_response(j, r, bad_utf8, sizeof bad_utf8 - 1, &err), KP_OK);
    back = load(j, kp_journal_record_id(r));
    body = kp_journal_record_start_response(back, &len);
    assert_int_equal(len, sizeof nul_body - 1);
    assert_memory_equal(body, nul_body, len);
    body = kp_journal_record_status_response(back, &len);
    assert_int_equal(len, sizeof bad_utf8 - 1);
    assert_memory_equal(body, bad_utf8, len);
    assert_int_equal(kp_journal_read_file(kp_journal_record_path(back), KP_JOURNAL_FILE_MAX,
                                          &file, &err), KP_OK);
    assert_non_null(strstr(kp_buf_str(&file), "\"statusResponseBase64\""));
    /* a new body replaces the other form */
    assert_int_equal(kp_journal_set_status_response(j, r, "", 0, &err), KP_OK);
    kp_journal_record_free(back);
    back = load(j, kp_journal_record_id(r));
    body = kp_journal_record_status_response(back, &len);
    assert_non_null(body);
    assert_int_equal(len, 0);
    assert_null(json_object_get(kp_journal_record_json(back), "statusResponseBase64"));
    kp_buf_free(&file);
    kp_journal_record_free(back);
    kp_journal_record_free(r);
    kp_journal_free(j);
}

static void unknown_outcome_keeps_the_operation_open(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(300);
    kp_journal_record *r = create(j, &in), **open_ops;
    size_t count;
    kp_error err;

    assert_int_equal(kp_journal_set_started(j, r, "77", "{}", 2, &err), KP_OK);
    assert_int_equal(kp_journal_set_final(j, r, KP_JOURNAL_FINAL_UNKNOWN, NULL, NULL, 0, &err), KP_OK);
    assert_int_equal(kp_journal_record_state(r), KP_JOURNAL_STARTED);
    assert_int_equal(kp_journal_record_final_status(r), KP_JOURNAL_FINAL_UNKNOWN);
    assert_int_equal(kp_journal_set_final(j, r, KP_JOURNAL_FINAL_NONE, NULL, NULL, 0, &err), KP_ERR_USAGE);
    assert_int_equal(kp_journal_list(j, true, &open_ops, &count, &err), KP_OK);
    assert_int_equal(count, 1);
    assert_string_equal(kp_journal_record_process_id(open_ops[0]), "77");
    kp_journal_records_free(open_ops, count);
    assert_int_equal(kp_journal_set_final(j, r, KP_JOURNAL_FINAL_FAIL, NULL, "{\"status\":\"fail\"}",
                                          17, &err), KP_OK);
    assert_int_equal(kp_journal_record_state(r), KP_JOURNAL_FINAL);
    kp_journal_record_free(r);
    kp_journal_free(j);
}

static void open_removes_only_stale_temp_files(void **state)
{
    char *stale = join(*state, ".x.json.tmp-AAAAAA"), *fresh = join(*state, ".y.json.tmp-BBBBBB");
    struct timespec old[2] = { { time(NULL) - 3600, 0 }, { time(NULL) - 3600, 0 } };
    kp_journal *j;
    FILE *f;

    assert_non_null(f = fopen(stale, "w"));
    fclose(f);
    assert_non_null(f = fopen(fresh, "w"));
    fclose(f);
    assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
    j = open_journal(*state);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);   /* may belong to a writer right now */
    kp_journal_free(j);
    free(stale);
    free(fresh);
}

/* ---------------------------------------------------------------- crash safety */

struct kill_at {
    const char *step;
};

static void kill_at_step(const char *step, void *data)
{
    struct kill_at *k = data;
    if (strcmp(step, k->step) == 0)
        raise(SIGKILL);
}

/* A child updates a record and is killed at one step of the atomic write;
 * the record must then be the old one or the new one, never anything else. */
static void kill_at_every_step_leaves_old_or_new(void **state)
{
    static const char *const steps[] = { "temp-written", "temp-synced", "renamed", "dir-synced" };
    kp_journal *j = open_journal(*state);

    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        kp_journal_intent in = payment(100 + (long long)i);
        kp_journal_record *r = create(j, &in), *back;
        int status;
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0) {
            struct kill_at k = { steps[i] };
            kp_error err;
            kp_journal_set_step_hook(j, kill_at_step, &k);
            kp_journal_set_started(j, r, "P-new", "{\"processId\":\"P-new\"}", 21, &err);
            _exit(0);   /* not reached: the hook kills */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        back = load(j, kp_journal_record_id(r));
        assert_int_equal(kp_journal_record_amount(back), 100 + (long long)i);
        if (i < 2) {      /* killed before the rename: the old record */
            assert_int_equal(kp_journal_record_state(back), KP_JOURNAL_INTENT);
            assert_null(kp_journal_record_process_id(back));
        } else {          /* after it: the new one */
            assert_int_equal(kp_journal_record_state(back), KP_JOURNAL_STARTED);
            assert_string_equal(kp_journal_record_process_id(back), "P-new");
        }
        kp_journal_record_free(back);
        kp_journal_record_free(r);
    }
    kp_journal_free(j);
}

/* Kills a child that rewrites a record in a loop at arbitrary moments; each
 * time the record reads back whole, with one of the bodies written. */
static void kill_at_random_moments_leaves_a_readable_record(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(5);
    kp_journal_record *r = create(j, &in), *back;
    kp_journal_record **all;
    size_t count;
    kp_error err;

    srand((unsigned)getpid());
    for (int round = 0; round < 12; round++) {
        int status, pipefd[2];
        char ready;
        pid_t pid;

        assert_int_equal(pipe(pipefd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char body[64];
            close(pipefd[0]);
            for (long n = 0;; n++) {
                int len = snprintf(body, sizeof body, "{\"status\":\"wait\",\"n\":%ld}", n);
                if (kp_journal_set_status_response(j, r, body, (size_t)len, &err) != KP_OK)
                    _exit(2);
                if (n == 0 && write(pipefd[1], "r", 1) != 1)
                    _exit(3);
            }
        }
        close(pipefd[1]);
        assert_int_equal(read(pipefd[0], &ready, 1), 1);   /* one write is done */
        close(pipefd[0]);
        usleep((useconds_t)(rand() % 3000));
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        back = load(j, kp_journal_record_id(r));
        {
            size_t len;
            long n;
            const char *body = kp_journal_record_status_response(back, &len);
            assert_non_null(body);
            assert_int_equal(sscanf(body, "{\"status\":\"wait\",\"n\":%ld}", &n), 1);
            assert_true(n >= 0);
        }
        assert_int_equal(kp_journal_record_amount(back), 5);
        kp_journal_record_free(back);
    }
    /* leftover temp files never confuse the listing */
    assert_int_equal(kp_journal_list(j, false, &all, &count, &err), KP_OK);
    assert_int_equal(count, 1);
    kp_journal_records_free(all, count);
    kp_journal_record_free(r);
    kp_journal_free(j);
}

/* ---------------------------------------------------------------- listing and keys */

static void rewrite_created(kp_journal_record *r, const char *created)
{
    json_t *copy = json_deep_copy(kp_journal_record_json(r));
    char *text;
    kp_error err;

    json_object_set_new(copy, "created", json_string(created));
    text = json_dumps(copy, 0);
    assert_int_equal(kp_journal_write_file(kp_journal_record_path(r), text, strlen(text), false,
                                           &err), KP_OK);
    free(text);
    json_decref(copy);
}

static void list_is_oldest_first_and_unfinished_skips_done(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(1);
    kp_journal_record *a, *b, *c, **all;
    kp_journal_lock *lock;
    size_t count;
    kp_error err;
    char *junk;
    FILE *f;

    a = create(j, &in);
    in.amount = 2;
    b = create(j, &in);
    in.amount = 3;
    in.external_key = "job-3";
    c = create(j, &in);
    rewrite_created(a, "2026-11-30T10:00:00.000Z");
    rewrite_created(b, "2026-11-29T10:00:00.000Z");
    rewrite_created(c, "2026-11-30T09:00:00.000Z");
    /* files that are not records are ignored */
    assert_int_equal(kp_journal_lock_terminal(j, "10.0.0.5:8080", &lock, &err), KP_OK);
    junk = join(*state, "notes.txt");
    assert_non_null(f = fopen(junk, "w"));
    fclose(f);
    free(junk);

    assert_int_equal(kp_journal_list(j, false, &all, &count, &err), KP_OK);
    assert_int_equal(count, 3);
    assert_int_equal(kp_journal_record_amount(all[0]), 2);
    assert_int_equal(kp_journal_record_amount(all[1]), 3);
    assert_int_equal(kp_journal_record_amount(all[2]), 1);
    kp_journal_records_free(all, count);

    kp_journal_record_free(c);
    c = load(j, "key-job-3");
    assert_int_equal(kp_journal_set_done(j, c, NULL, &err), KP_OK);
    assert_int_equal(kp_journal_list(j, true, &all, &count, &err), KP_OK);
    assert_int_equal(count, 2);
    assert_int_equal(kp_journal_record_amount(all[0]), 2);
    assert_int_equal(kp_journal_record_amount(all[1]), 1);
    kp_journal_records_free(all, count);

    kp_journal_unlock(lock);
    kp_journal_record_free(a);
    kp_journal_record_free(b);
    kp_journal_record_free(c);
    kp_journal_free(j);
}

static void list_reports_a_damaged_record(void **state)
{
    kp_journal *j = open_journal(*state);
    char *bad = join(*state, "20261130T000000Z-1-deadbeef.json");
    kp_journal_record **all = NULL;
    size_t count;
    kp_error err;

    assert_int_equal(kp_journal_write_file(bad, "{\"kaspiJournal\": 1,", 19, false, &err), KP_OK);
    assert_int_equal(kp_journal_list(j, true, &all, &count, &err), KP_ERR_MALFORMED);
    assert_null(all);
    assert_non_null(strstr(err.message, bad));
    assert_non_null(strstr(err.message, "damaged"));
    {
        kp_journal_record *r;
        assert_int_equal(kp_journal_load(j, "20261130T000000Z-1-deadbeef", &r, &err),
                         KP_ERR_MALFORMED);
        assert_null(r);
        assert_non_null(strstr(err.message, "line 1"));
    }
    free(bad);
    kp_journal_free(j);
}

static void external_key_finds_the_record_and_refuses_a_second(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(900);
    const char *key = "urn:uuid:6f1c2b1e-0d4a-4c1b-9a7e-2b8d1f0e3a11";
    kp_journal_record *r, *found, *other;
    kp_error err;

    in.external_key = key;
    r = create(j, &in);
    assert_string_equal(kp_journal_record_external_key(r), key);
    assert_null(strchr(kp_journal_record_id(r), ':'));
    assert_int_equal(kp_journal_find_by_key(j, key, &found, &err), KP_OK);
    assert_string_equal(kp_journal_record_id(found), kp_journal_record_id(r));
    assert_int_equal(kp_journal_record_amount(found), 900);
    kp_journal_record_free(found);

    /* the same key again never makes a second operation */
    assert_int_equal(kp_journal_create(j, &in, &other, &err), KP_ERR_BUSY);
    assert_null(other);
    assert_non_null(strstr(err.message, key));
    /* keys that sanitize alike stay apart */
    in.external_key = "urn_uuid_6f1c2b1e-0d4a-4c1b-9a7e-2b8d1f0e3a11";
    other = create(j, &in);
    assert_string_not_equal(kp_journal_record_id(other), kp_journal_record_id(r));
    kp_journal_record_free(other);

    assert_int_equal(kp_journal_find_by_key(j, "urn:uuid:unknown", &found, &err), KP_ERR_NOT_FOUND);
    assert_null(found);
    assert_int_equal(kp_journal_load(j, "../etc/passwd", &found, &err), KP_ERR_USAGE);
    assert_int_equal(kp_journal_load(j, "20200101T000000Z-1-00000000", &found, &err),
                     KP_ERR_NOT_FOUND);
    kp_journal_record_free(r);
    kp_journal_free(j);
}

/* ---------------------------------------------------------------- reading files */

static void symlinks_and_oversized_files_are_refused(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_intent in = payment(1);
    kp_journal_record *r = create(j, &in), *back;
    char *link_path = join(*state, "key-evil.json");
    char *big_path = join(*state, "key-big.json");
    char *big = malloc(KP_JOURNAL_FILE_MAX + 1);
    kp_buf b = KP_BUF_INIT;
    kp_error err;

    assert_int_equal(symlink(kp_journal_record_path(r), link_path), 0);
    assert_int_equal(kp_journal_load(j, "key-evil", &back, &err), KP_ERR_IO);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(kp_journal_read_file(link_path, 100, &b, &err), KP_ERR_IO);

    memset(big, ' ', KP_JOURNAL_FILE_MAX + 1);
    assert_int_equal(kp_journal_write_file(big_path, big, KP_JOURNAL_FILE_MAX + 1, false, &err), KP_OK);
    assert_int_equal(kp_journal_load(j, "key-big", &back, &err), KP_ERR_TOO_LARGE);
    assert_null(back);
    assert_int_equal(kp_journal_read_file(big_path, KP_JOURNAL_FILE_MAX + 1, &b, &err), KP_OK);
    assert_int_equal(b.len, KP_JOURNAL_FILE_MAX + 1);

    assert_int_equal(kp_journal_write_file(big_path, "x", 1, true, &err), KP_ERR_BUSY);
    kp_buf_free(&b);
    free(big);
    free(link_path);
    free(big_path);
    kp_journal_record_free(r);
    kp_journal_free(j);
}

/* ---------------------------------------------------------------- the lock */

static void lock_is_refused_to_a_second_process_until_the_holder_dies(void **state)
{
    kp_journal *j = open_journal(*state);
    kp_journal_lock *lock;
    kp_error err;
    char want[64];
    int status, go[2], held[2];
    char byte;
    pid_t pid;

    assert_int_equal(kp_journal_lock_terminal(j, "10.0.0.5:8080", &lock, &err), KP_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kp_journal_lock *mine;
        char expect[128];
        snprintf(expect, sizeof expect,
                 "another kaspi-pay is using terminal 10.0.0.5:8080 (pid %ld)", (long)getppid());
        if (kp_journal_lock_terminal(j, "10.0.0.5:8080", &mine, &err) != KP_ERR_BUSY)
            _exit(1);
        if (strcmp(err.message, expect) != 0)
            _exit(2);
        if (kp_journal_lock_terminal(j, "10.0.0.6:8080", &mine, &err) != KP_OK)
            _exit(3);   /* another terminal is free */
        kp_journal_unlock(mine);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    kp_journal_unlock(lock);

    /* now a child holds it; the parent is refused; the child's death frees it */
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(held), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        kp_journal_lock *mine;
        close(go[1]);
        close(held[0]);
        if (kp_journal_lock_terminal(j, "10.0.0.5:8080", &mine, &err) != KP_OK)
            _exit(1);
        if (write(held[1], "h", 1) != 1)
            _exit(2);
        if (read(go[0], &byte, 1) < 0)
            _exit(3);
        _exit(0);   /* dies holding the lock */
    }
    close(go[0]);
    close(held[1]);
    assert_int_equal(read(held[0], &byte, 1), 1);
    assert_int_equal(kp_journal_lock_terminal(j, "10.0.0.5:8080", &lock, &err), KP_ERR_BUSY);
    snprintf(want, sizeof want, "(pid %ld)", (long)pid);
    assert_non_null(strstr(err.message, want));
    close(go[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(kp_journal_lock_terminal(j, "10.0.0.5:8080", &lock, &err), KP_OK);
    kp_journal_unlock(lock);
    close(held[0]);
    kp_journal_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_creates_directories_0700, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(open_under_a_regular_file_is_setup_error, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(open_without_write_permission_is_setup_error, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(record_lifecycle_is_durable_and_complete, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(refund_and_failed_print_are_recorded, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(raw_bodies_are_kept_byte_for_byte, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(unknown_outcome_keeps_the_operation_open, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(open_removes_only_stale_temp_files, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(kill_at_every_step_leaves_old_or_new, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(kill_at_random_moments_leaves_a_readable_record, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(list_is_oldest_first_and_unfinished_skips_done, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(list_reports_a_damaged_record, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(external_key_finds_the_record_and_refuses_a_second, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(symlinks_and_oversized_files_are_refused, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(lock_is_refused_to_a_second_process_until_the_holder_dies, make_tmp, remove_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
