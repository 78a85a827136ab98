/*
 * journal.c: the write-ahead journal of terminal operations (see
 * kaspipos/journal.h): atomic files, operation records, the per-terminal
 * lock and the listing that `recover` walks.
 */
#include "config.h"
#include "kaspipos/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_VERSION 1

typedef void (*step_hook_fn)(const char *step, void *data);

struct kp_journal {
    char *dir;
    step_hook_fn hook;
    void *hook_data;
};

struct kp_journal_lock {
    int fd;
};

struct kp_journal_record {
    json_t *json;
    char *path;
    kp_buf start;       /* decoded raw bodies */
    bool has_start;
    kp_buf status;
    bool has_status;
};

static const char *const state_names[] = {
    [KP_JOURNAL_INTENT] = "intent",   [KP_JOURNAL_STARTED] = "started",
    [KP_JOURNAL_FINAL] = "final",     [KP_JOURNAL_PRINTED] = "printed",
    [KP_JOURNAL_PRINT_FAILED] = "print_failed", [KP_JOURNAL_DONE] = "done",
};
static const char *const final_names[] = {
    [KP_JOURNAL_FINAL_NONE] = "",     [KP_JOURNAL_FINAL_SUCCESS] = "success",
    [KP_JOURNAL_FINAL_FAIL] = "fail", [KP_JOURNAL_FINAL_UNKNOWN] = "unknown",
};

/* ------------------------------------------------------------------ names */

const char *kp_journal_operation_name(kp_journal_operation op)
{
    return op == KP_JOURNAL_REFUND ? "refund" : "payment";
}

const char *kp_journal_state_name(kp_journal_state state)
{
    if ((unsigned)state > KP_JOURNAL_DONE)
        return "unknown";
    return state_names[state];
}

const char *kp_journal_final_name(kp_journal_final status)
{
    if ((unsigned)status > KP_JOURNAL_FINAL_UNKNOWN)
        return "unknown";
    return final_names[status];
}

static int name_index(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------ time */

void kp_journal_now_iso(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    char base[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

/* ------------------------------------------------------------------ files */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static kp_status fsync_dir(const char *dir, kp_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return kp_error_set(err, KP_ERR_IO, "cannot open directory %s: %s", dir, strerror(errno));
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        return kp_error_set(err, KP_ERR_IO, "cannot sync directory %s: %s", dir, strerror(e));
    }
    close(fd);
    return KP_OK;
}

static kp_status write_all(int fd, const void *data, size_t len, const char *path, kp_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return kp_error_set(err, KP_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return KP_OK;
}

static void step(step_hook_fn hook, void *data, const char *name)
{
    if (hook)
        hook(name, data);
}

/* Moves tmp to path without replacing an existing path. */
static int rename_noreplace(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(tmp, path) != 0)        /* file systems without renameat2 flags */
        return -1;
    unlink(tmp);
    return 0;
}

static kp_status write_temp(const char *tmp_template, char *tmp, size_t tmp_size,
                            const void *data, size_t len, step_hook_fn hook, void *hook_data,
                            kp_error *err)
{
    kp_status st;
    int fd;

    snprintf(tmp, tmp_size, "%s", tmp_template);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return kp_error_set(err, KP_ERR_IO, "cannot create a file beside %s: %s",
                            tmp_template, strerror(errno));
    st = fchmod(fd, 0600) == 0 ? KP_OK
         : kp_error_set(err, KP_ERR_IO, "cannot chmod %s: %s", tmp, strerror(errno));
    if (st == KP_OK)
        st = write_all(fd, data, len, tmp, err);
    if (st == KP_OK) {
        step(hook, hook_data, "temp-written");
        if (fsync(fd) != 0)
            st = kp_error_set(err, KP_ERR_IO, "cannot sync %s: %s", tmp, strerror(errno));
    }
    if (close(fd) != 0 && st == KP_OK)
        st = kp_error_set(err, KP_ERR_IO, "cannot close %s: %s", tmp, strerror(errno));
    if (st != KP_OK)
        unlink(tmp);
    else
        step(hook, hook_data, "temp-synced");
    return st;
}

static kp_status atomic_write(const char *path, const void *data, size_t len, bool no_replace,
                              step_hook_fn hook, void *hook_data, kp_error *err)
{
    char *dir = dir_of(path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char tmpl[PATH_MAX], tmp[PATH_MAX];
    kp_status st;

    if (!dir)
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/.%s.tmp-XXXXXX", dir, base) >= sizeof tmpl) {
        free(dir);
        return kp_error_set(err, KP_ERR_USAGE, "path too long: %s", path);
    }
    st = write_temp(tmpl, tmp, sizeof tmp, data, len, hook, hook_data, err);
    if (st == KP_OK) {
        int rc = no_replace ? rename_noreplace(tmp, path) : rename(tmp, path);
        if (rc != 0) {
            int e = errno;
            unlink(tmp);
            st = e == EEXIST ? kp_error_set(err, KP_ERR_BUSY, "%s exists already", path)
                             : kp_error_set(err, KP_ERR_IO, "cannot rename %s to %s: %s",
                                            tmp, path, strerror(e));
        }
    }
    if (st == KP_OK) {
        step(hook, hook_data, "renamed");
        st = fsync_dir(dir, err);
        if (st == KP_OK)
            step(hook, hook_data, "dir-synced");
    }
    free(dir);
    return st;
}

kp_status kp_journal_write_file(const char *path, const void *data, size_t len,
                                bool no_replace, kp_error *err)
{
    return atomic_write(path, data, len, no_replace, NULL, NULL, err);
}

static kp_status open_for_reading(const char *path, int *fd_out, kp_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT)
        return kp_error_set(err, KP_ERR_NOT_FOUND, "%s does not exist", path);
    if (fd < 0 && errno == ELOOP)
        return kp_error_set(err, KP_ERR_IO, "%s is a symbolic link; refusing to follow it", path);
    if (fd < 0)
        return kp_error_set(err, KP_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return kp_error_set(err, KP_ERR_IO, "%s is not a regular file", path);
    }
    *fd_out = fd;
    return KP_OK;
}

kp_status kp_journal_read_file(const char *path, size_t limit, kp_buf *out, kp_error *err)
{
    char chunk[65536];
    size_t total = 0;
    kp_status st;
    int fd = -1;

    st = open_for_reading(path, &fd, err);
    if (st != KP_OK)
        return st;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = kp_error_set(err, KP_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > limit) {
            st = kp_error_set(err, KP_ERR_TOO_LARGE, "%s is larger than %zu bytes", path, limit);
            break;
        }
        st = kp_buf_append(out, chunk, (size_t)n);
        if (st != KP_OK) {
            kp_error_set(err, st, "cannot read %s: out of memory or over its limit", path);
            break;
        }
    }
    close(fd);
    return st;
}

kp_status kp_journal_make_dirs(const char *dir, kp_error *err)
{
    char path[PATH_MAX];
    struct stat st;
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof path)
        return kp_error_set(err, KP_ERR_USAGE, "bad directory name \"%s\"", dir);
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) == 0)
            chmod(path, 0700);     /* whatever the umask */
        else if (errno != EEXIST)
            return kp_error_set(err, KP_ERR_IO, "cannot create directory %s: %s",
                                path, strerror(errno));
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return kp_error_set(err, KP_ERR_IO, "%s is not a directory", dir);
    return KP_OK;
}

/* ------------------------------------------------------------------ the journal */

static kp_status probe_writable(const char *dir, kp_error *err)
{
    char probe[PATH_MAX];
    uint32_t r = 0;
    int fd;

    if (getrandom(&r, sizeof r, 0) < 0)
        r = (uint32_t)time(NULL);
    snprintf(probe, sizeof probe, "%s/.probe-%ld-%08x", dir, (long)getpid(), r);
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return kp_error_set(err, KP_ERR_IO, "%s", strerror(errno));
    if (write(fd, "k", 1) != 1 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(probe);
        return kp_error_set(err, KP_ERR_IO, "%s", strerror(e));
    }
    close(fd);
    if (unlink(probe) != 0)
        return kp_error_set(err, KP_ERR_IO, "%s", strerror(errno));
    return KP_OK;
}

/* A temp file is written and renamed within moments; one this old was left
 * by a process killed mid-write and holds nothing the record lacks. */
#define STALE_TEMP_SECONDS (10 * 60)

static void remove_stale_temp_files(const char *dir)
{
    time_t now = time(NULL);
    struct dirent *de;
    struct stat st;
    DIR *d = opendir(dir);

    if (!d)
        return;
    while ((de = readdir(d))) {
        if (de->d_name[0] != '.' || !strstr(de->d_name, ".tmp-"))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
            && now - st.st_mtime > STALE_TEMP_SECONDS)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

kp_status kp_journal_open(const char *dir, kp_journal **out, kp_error *err)
{
    kp_journal *j;
    kp_status st;

    *out = NULL;
    if (!dir || !*dir)
        return kp_error_set(err, KP_ERR_SETUP, "no journal directory given");
    st = kp_journal_make_dirs(dir, err);
    if (st == KP_OK)
        st = probe_writable(dir, err);
    if (st != KP_OK) {
        kp_error_prefix(err, "journal directory %s is not writable", dir);
        if (err)
            err->status = KP_ERR_SETUP;
        return KP_ERR_SETUP;
    }
    remove_stale_temp_files(dir);
    j = calloc(1, sizeof *j);
    if (!j || !(j->dir = strdup(dir))) {
        free(j);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    *out = j;
    return KP_OK;
}

void kp_journal_free(kp_journal *journal)
{
    if (journal) {
        free(journal->dir);
        free(journal);
    }
}

const char *kp_journal_dir(const kp_journal *journal)
{
    return journal->dir;
}

void kp_journal_set_step_hook(kp_journal *journal, step_hook_fn hook, void *data)
{
    journal->hook = hook;
    journal->hook_data = data;
}

/* ------------------------------------------------------------------ names of files */

static bool safe_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '.' || c == '_' || c == '-';
}

/* Keeps [A-Za-z0-9._-]; anything else becomes '_'.  Returns whether the
 * text changed. */
static bool sanitize(const char *in, char *out, size_t size)
{
    bool changed = false;
    size_t i = 0;
    for (; in[i] && i + 1 < size; i++) {
        out[i] = safe_char(in[i]) ? in[i] : '_';
        changed |= out[i] != in[i];
    }
    out[i] = '\0';
    if (i > 0 && out[0] == '.') {
        out[0] = '_';
        changed = true;
    }
    return changed || in[i] != '\0';
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static kp_status id_from_key(const char *key, char *id, size_t size, kp_error *err)
{
    char clean[KP_JOURNAL_ID_MAX + 1];

    if (!*key || strlen(key) > KP_JOURNAL_ID_MAX)
        return kp_error_set(err, KP_ERR_USAGE,
                            "operation key must be 1 to %d characters", KP_JOURNAL_ID_MAX);
    if (sanitize(key, clean, sizeof clean))
        snprintf(id, size, "key-%s-%016llx", clean, (unsigned long long)fnv1a64(key));
    else
        snprintf(id, size, "key-%s", clean);
    return KP_OK;
}

static void new_id(char *id, size_t size)
{
    struct tm tm;
    time_t now = time(NULL);
    uint32_t r = 0;
    char stamp[32];

    if (getrandom(&r, sizeof r, 0) < 0)
        r = (uint32_t)clock();
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(id, size, "%s-%ld-%08x", stamp, (long)getpid(), r);
}

static bool valid_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > KP_JOURNAL_ID_MAX + 24 || id[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!safe_char(id[i]))
            return false;
    return true;
}

/* A file name that a record may have: "DIGITS...Z-....json" or "key-....json". */
static bool record_file_name(const char *name)
{
    size_t len = strlen(name);
    if (len < 6 || strcmp(name + len - 5, ".json") != 0 || name[0] == '.')
        return false;
    return (name[0] >= '0' && name[0] <= '9') || strncmp(name, "key-", 4) == 0;
}

static char *record_path(const kp_journal *j, const char *id)
{
    char *path;
    if (asprintf(&path, "%s/%s.json", j->dir, id) < 0)
        return NULL;
    return path;
}

/* ------------------------------------------------------------------ records */

static const char *get_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int set_str(json_t *obj, const char *key, const char *value)
{
    if (!value) {
        json_object_del(obj, key);
        return 0;
    }
    return json_object_set_new(obj, key, json_string(value));
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static kp_status base64_encode(const unsigned char *in, size_t len, kp_buf *out)
{
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;
        char q[4];
        if (n > 1) v |= (uint32_t)in[i + 1] << 8;
        if (n > 2) v |= in[i + 2];
        q[0] = b64chars[(v >> 18) & 63];
        q[1] = b64chars[(v >> 12) & 63];
        q[2] = n > 1 ? b64chars[(v >> 6) & 63] : '=';
        q[3] = n > 2 ? b64chars[v & 63] : '=';
        if (kp_buf_append(out, q, 4) != KP_OK)
            return KP_ERR_NOMEM;
    }
    return KP_OK;
}

static bool base64_decode(const char *in, size_t len, kp_buf *out)
{
    uint32_t v = 0;
    int bits = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        const char *p = strchr(b64chars, in[i]);
        if (!p || !in[i])
            return false;
        v = (v << 6) | (uint32_t)(p - b64chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (kp_buf_putc(out, (char)((v >> bits) & 0xFF)) != KP_OK)
                return false;
        }
    }
    return true;
}

/* Stores a raw body under key (as text) or key+"Base64" (when it is not
 * UTF-8 that JSON can carry). */
static kp_status set_body(json_t *obj, const char *key, const char *body, size_t len)
{
    char b64key[64];
    json_t *text;

    snprintf(b64key, sizeof b64key, "%sBase64", key);
    json_object_del(obj, key);
    json_object_del(obj, b64key);
    if (!body)
        return KP_OK;
    text = json_stringn(body, len);
    if (text)
        return json_object_set_new(obj, key, text) == 0 ? KP_OK : KP_ERR_NOMEM;
    kp_buf b = KP_BUF_INIT;
    if (base64_encode((const unsigned char *)body, len, &b) != KP_OK
        || json_object_set_new(obj, b64key, json_stringn(kp_buf_str(&b), b.len)) != 0) {
        kp_buf_free(&b);
        return KP_ERR_NOMEM;
    }
    kp_buf_free(&b);
    return KP_OK;
}

static bool get_body(const json_t *obj, const char *key, kp_buf *out)
{
    char b64key[64];
    const json_t *v = json_object_get(obj, key);

    kp_buf_reset(out);
    if (json_is_string(v)) {
        kp_buf_append(out, json_string_value(v), json_string_length(v));
        return true;
    }
    snprintf(b64key, sizeof b64key, "%sBase64", key);
    v = json_object_get(obj, b64key);
    if (json_is_string(v))
        return base64_decode(json_string_value(v), json_string_length(v), out);
    return false;
}

static void refresh_bodies(kp_journal_record *r)
{
    r->has_start = get_body(r->json, "startResponse", &r->start);
    r->has_status = get_body(r->json, "statusResponse", &r->status);
}

static kp_journal_record *record_new(json_t *json, const char *path)
{
    kp_journal_record *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return NULL;
    }
    r->json = json;
    refresh_bodies(r);
    return r;
}

void kp_journal_record_free(kp_journal_record *r)
{
    if (!r)
        return;
    json_decref(r->json);
    free(r->path);
    kp_buf_free(&r->start);
    kp_buf_free(&r->status);
    free(r);
}

static kp_status write_record(kp_journal *j, const char *path, const json_t *json,
                              bool no_replace, kp_error *err)
{
    char *text = json_dumps(json, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    kp_buf b = KP_BUF_INIT;
    kp_status st;

    if (!text || kp_buf_puts(&b, text) != KP_OK || kp_buf_putc(&b, '\n') != KP_OK) {
        free(text);
        kp_buf_free(&b);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    free(text);
    st = atomic_write(path, b.data, b.len, no_replace, j->hook, j->hook_data, err);
    kp_buf_free(&b);
    return st;
}

static int set_print_request(json_t *rec, const kp_journal_print_request *p)
{
    json_t *print = json_object();
    int rc = print ? 0 : -1;
    rc |= set_str(print, "printer", p->printer);
    rc |= set_str(print, "output", p->output);
    rc |= set_str(print, "format", p->format);
    rc |= set_str(print, "template", p->template_name);
    rc |= set_str(print, "profile", p->profile);
    return rc | json_object_set_new(rec, "print", print);
}

static kp_status check_intent(const kp_journal_intent *in, kp_error *err)
{
    if (in->operation != KP_JOURNAL_PAYMENT && in->operation != KP_JOURNAL_REFUND)
        return kp_error_set(err, KP_ERR_USAGE, "unknown operation %d", (int)in->operation);
    if (in->amount < 1 || in->amount > 999999999)
        return kp_error_set(err, KP_ERR_USAGE, "amount %lld is not from 1 to 999999999", in->amount);
    if (!in->terminal || !*in->terminal)
        return kp_error_set(err, KP_ERR_USAGE, "no terminal given for the journal record");
    if (in->operation == KP_JOURNAL_REFUND && (!in->method || !in->refund_transaction_id))
        return kp_error_set(err, KP_ERR_USAGE, "a refund needs a method and a transactionId");
    return KP_OK;
}

static json_t *intent_json(const char *id, const kp_journal_intent *in)
{
    char now[40];
    json_t *rec = json_object();
    int rc = rec ? 0 : -1;

    kp_journal_now_iso(now, sizeof now);
    rc |= json_object_set_new(rec, "kaspiJournal", json_integer(RECORD_VERSION));
    rc |= set_str(rec, "id", id);
    rc |= set_str(rec, "externalKey", in->external_key);
    rc |= set_str(rec, "operation", kp_journal_operation_name(in->operation));
    rc |= json_object_set_new(rec, "amount", json_integer(in->amount));
    rc |= set_str(rec, "terminal", in->terminal);
    rc |= set_str(rec, "api", in->api ? in->api : "v1");
    rc |= set_str(rec, "method", in->method);
    rc |= set_str(rec, "refundTransactionId", in->refund_transaction_id);
    rc |= set_str(rec, "state", "intent");
    rc |= set_str(rec, "created", now);
    rc |= set_str(rec, "updated", now);
    rc |= set_print_request(rec, &in->print);
    if (rc != 0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

kp_status kp_journal_create(kp_journal *j, const kp_journal_intent *intent,
                            kp_journal_record **out, kp_error *err)
{
    char id[KP_JOURNAL_ID_MAX + 32];
    char *path;
    json_t *rec;
    kp_status st;

    *out = NULL;
    st = check_intent(intent, err);
    if (st == KP_OK && intent->external_key)
        st = id_from_key(intent->external_key, id, sizeof id, err);
    else if (st == KP_OK)
        new_id(id, sizeof id);
    if (st != KP_OK)
        return st;
    rec = intent_json(id, intent);
    path = record_path(j, id);
    if (!rec || !path) {
        json_decref(rec);
        free(path);
        return kp_error_set(err, KP_ERR_NOMEM,
                            "cannot build the journal record: out of memory or text that is not UTF-8");
    }
    st = write_record(j, path, rec, true, err);
    if (st == KP_ERR_BUSY)
        kp_error_set(err, KP_ERR_BUSY, "the journal already has operation %s%s%s", id,
                     intent->external_key ? " for " : "",
                     intent->external_key ? intent->external_key : "");
    else if (st != KP_OK)
        kp_error_prefix(err, "cannot write the journal record of the %s",
                        kp_journal_operation_name(intent->operation));
    if (st == KP_OK && !(*out = record_new(rec, path)))
        st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    if (st != KP_OK)
        json_decref(rec);
    free(path);
    return st;
}

/* Writes next (a changed copy of the record) and, once it is durable,
 * makes it the record's content.  Takes next in every case. */
static kp_status commit(kp_journal *j, kp_journal_record *r, json_t *next, int rc, kp_error *err)
{
    char now[40];
    kp_status st;

    if (!next || rc != 0) {
        json_decref(next);
        return kp_error_set(err, KP_ERR_NOMEM,
                            "cannot build journal record %s: out of memory or text that is not UTF-8",
                            kp_journal_record_id(r));
    }
    kp_journal_now_iso(now, sizeof now);
    set_str(next, "updated", now);
    st = write_record(j, r->path, next, false, err);
    if (st != KP_OK) {
        kp_error_prefix(err, "cannot update journal record %s", kp_journal_record_id(r));
        json_decref(next);
        return st;
    }
    json_decref(r->json);
    r->json = next;
    refresh_bodies(r);
    return KP_OK;
}

kp_status kp_journal_set_started(kp_journal *j, kp_journal_record *r, const char *process_id,
                                 const char *body, size_t body_len, kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    int rc = next ? 0 : -1;
    if (next) {
        rc |= (int)set_body(next, "startResponse", body, body_len);
        if (process_id) {
            rc |= set_str(next, "processId", process_id);
            rc |= set_str(next, "state", "started");
        }
    }
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_status_response(kp_journal *j, kp_journal_record *r,
                                         const char *body, size_t body_len, kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    int rc = next ? (int)set_body(next, "statusResponse", body, body_len) : -1;
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_final(kp_journal *j, kp_journal_record *r, kp_journal_final status,
                               const char *transaction_id, const char *body, size_t body_len,
                               kp_error *err)
{
    json_t *next;
    int rc;

    if (status == KP_JOURNAL_FINAL_NONE || (unsigned)status > KP_JOURNAL_FINAL_UNKNOWN)
        return kp_error_set(err, KP_ERR_USAGE, "a final status must be success, fail or unknown");
    next = json_deep_copy(r->json);
    rc = next ? 0 : -1;
    if (next) {
        rc |= (int)set_body(next, "statusResponse", body, body_len);
        rc |= set_str(next, "finalStatus", kp_journal_final_name(status));
        if (transaction_id)
            rc |= set_str(next, "transactionId", transaction_id);
        if (status != KP_JOURNAL_FINAL_UNKNOWN)   /* unknown: recover polls on */
            rc |= set_str(next, "state", "final");
    }
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_cheque(kp_journal *j, kp_journal_record *r, const char *cheque_path,
                                kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    int rc = next ? set_str(next, "cheque", cheque_path) : -1;
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_print_request(kp_journal *j, kp_journal_record *r,
                                       const kp_journal_print_request *print, kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    int rc = next ? set_print_request(next, print) : -1;
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_print_result(kp_journal *j, kp_journal_record *r, bool ok,
                                      const char *message, const char *job_id, kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    json_t *result = json_object();
    int rc = next && result ? 0 : -1;

    if (rc == 0) {
        char now[40];
        kp_journal_now_iso(now, sizeof now);
        rc |= json_object_set_new(result, "ok", json_boolean(ok));
        rc |= set_str(result, "error", message);
        rc |= set_str(result, "jobId", job_id);
        rc |= set_str(result, "at", now);
        rc |= json_object_set(next, "printResult", result);
        rc |= set_str(next, "state", ok ? "printed" : "print_failed");
    }
    json_decref(result);
    return commit(j, r, next, rc, err);
}

kp_status kp_journal_set_done(kp_journal *j, kp_journal_record *r, const char *note, kp_error *err)
{
    json_t *next = json_deep_copy(r->json);
    int rc = next ? 0 : -1;
    if (next) {
        if (note)
            rc |= set_str(next, "note", note);
        rc |= set_str(next, "state", "done");
    }
    return commit(j, r, next, rc, err);
}

/* ------------------------------------------------------------------ loading */

static const char *validate_record(const json_t *rec, const char *id)
{
    json_t *amount = json_object_get(rec, "amount");
    if (!json_is_object(rec))
        return "not a JSON object";
    if (json_integer_value(json_object_get(rec, "kaspiJournal")) != RECORD_VERSION)
        return "not a version 1 journal record (\"kaspiJournal\": 1)";
    if (!get_str(rec, "id") || strcmp(get_str(rec, "id"), id) != 0)
        return "its id does not match its file name";
    if (name_index((const char *const[]){"payment", "refund"}, 2, get_str(rec, "operation")) < 0)
        return "operation is not payment or refund";
    if (!json_is_integer(amount) || json_integer_value(amount) < 1)
        return "amount is not a positive whole number";
    if (!get_str(rec, "terminal"))
        return "no terminal";
    if (name_index(state_names, KP_JOURNAL_DONE + 1, get_str(rec, "state")) < 0)
        return "unknown state";
    if (!get_str(rec, "created"))
        return "no creation time";
    return NULL;
}

static kp_status load_path(const char *path, const char *id, kp_journal_record **out,
                           kp_error *err)
{
    kp_buf text = KP_BUF_INIT;
    json_error_t jerr;
    json_t *rec;
    const char *why;
    kp_status st;

    *out = NULL;
    st = kp_journal_read_file(path, KP_JOURNAL_FILE_MAX, &text, err);
    if (st != KP_OK) {
        if (st != KP_ERR_NOT_FOUND)
            kp_error_prefix(err, "journal record");
        kp_buf_free(&text);
        return st;
    }
    rec = json_loadb(kp_buf_str(&text), text.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    kp_buf_free(&text);
    if (!rec)
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "journal record %s is damaged: %s at line %d, column %d",
                            path, jerr.text, jerr.line, jerr.column);
    if ((why = validate_record(rec, id))) {
        json_decref(rec);
        return kp_error_set(err, KP_ERR_MALFORMED, "journal record %s is damaged: %s", path, why);
    }
    if (!(*out = record_new(rec, path))) {
        json_decref(rec);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    return KP_OK;
}

kp_status kp_journal_load(kp_journal *j, const char *id, kp_journal_record **out, kp_error *err)
{
    char *path;
    kp_status st;

    *out = NULL;
    if (!id || !valid_id(id))
        return kp_error_set(err, KP_ERR_USAGE, "\"%s\" is not a journal record id", id ? id : "");
    if (!(path = record_path(j, id)))
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    st = load_path(path, id, out, err);
    if (st == KP_ERR_NOT_FOUND)
        kp_error_set(err, st, "the journal %s has no operation %s", j->dir, id);
    free(path);
    return st;
}

kp_status kp_journal_find_by_key(kp_journal *j, const char *key, kp_journal_record **out,
                                 kp_error *err)
{
    char id[KP_JOURNAL_ID_MAX + 32];
    const char *stored;
    kp_status st;

    *out = NULL;
    st = id_from_key(key, id, sizeof id, err);
    if (st == KP_OK)
        st = kp_journal_load(j, id, out, err);
    if (st == KP_ERR_NOT_FOUND)
        return kp_error_set(err, st, "the journal %s has no operation for %s", j->dir, key);
    if (st != KP_OK)
        return st;
    stored = kp_journal_record_external_key(*out);
    if (!stored || strcmp(stored, key) != 0) {
        kp_journal_record_free(*out);
        *out = NULL;
        return kp_error_set(err, KP_ERR_MALFORMED,
                            "journal record %s was made for another key (\"%s\", not \"%s\")",
                            id, stored ? stored : "", key);
    }
    return KP_OK;
}

static int compare_records(const void *a, const void *b)
{
    const kp_journal_record *ra = *(kp_journal_record *const *)a;
    const kp_journal_record *rb = *(kp_journal_record *const *)b;
    int c = strcmp(kp_journal_record_created(ra), kp_journal_record_created(rb));
    return c ? c : strcmp(kp_journal_record_id(ra), kp_journal_record_id(rb));
}

static kp_status push_record(kp_journal_record ***list, size_t *count, size_t *cap,
                             kp_journal_record *r, kp_error *err)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        kp_journal_record **n = realloc(*list, ncap * sizeof *n);
        if (!n)
            return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
        *list = n;
        *cap = ncap;
    }
    (*list)[(*count)++] = r;
    return KP_OK;
}

kp_status kp_journal_list(kp_journal *j, bool unfinished_only, kp_journal_record ***out,
                          size_t *count, kp_error *err)
{
    kp_journal_record **list = NULL, *r;
    size_t n = 0, cap = 0;
    kp_status st = KP_OK;
    struct dirent *de;
    DIR *d;

    *out = NULL;
    *count = 0;
    if (!(d = opendir(j->dir)))
        return kp_error_set(err, KP_ERR_IO, "cannot read the journal %s: %s", j->dir, strerror(errno));
    while (st == KP_OK && (de = readdir(d))) {
        char id[NAME_MAX + 1], *path;
        if (!record_file_name(de->d_name))
            continue;
        snprintf(id, sizeof id, "%.*s", (int)(strlen(de->d_name) - 5), de->d_name);
        if (!(path = record_path(j, id))) {
            st = kp_error_set(err, KP_ERR_NOMEM, "out of memory");
            break;
        }
        st = load_path(path, id, &r, err);
        free(path);
        if (st == KP_ERR_NOT_FOUND) {   /* removed while we read */
            st = KP_OK;
            continue;
        }
        if (st != KP_OK) {
            kp_error_prefix(err, "move it out of the journal after checking it by hand");
            break;
        }
        if (unfinished_only && kp_journal_record_state(r) == KP_JOURNAL_DONE)
            kp_journal_record_free(r);
        else if ((st = push_record(&list, &n, &cap, r, err)) != KP_OK)
            kp_journal_record_free(r);
    }
    closedir(d);
    if (st != KP_OK) {
        kp_journal_records_free(list, n);
        return st;
    }
    if (n > 1)
        qsort(list, n, sizeof *list, compare_records);
    *out = list;
    *count = n;
    return KP_OK;
}

void kp_journal_records_free(kp_journal_record **records, size_t count)
{
    for (size_t i = 0; records && i < count; i++)
        kp_journal_record_free(records[i]);
    free(records);
}

/* ------------------------------------------------------------------ accessors */

const char *kp_journal_record_id(const kp_journal_record *r) { return get_str(r->json, "id"); }
const char *kp_journal_record_path(const kp_journal_record *r) { return r->path; }
const char *kp_journal_record_external_key(const kp_journal_record *r)
{
    return get_str(r->json, "externalKey");
}

kp_journal_operation kp_journal_record_operation(const kp_journal_record *r)
{
    const char *op = get_str(r->json, "operation");
    return op && strcmp(op, "refund") == 0 ? KP_JOURNAL_REFUND : KP_JOURNAL_PAYMENT;
}

long long kp_journal_record_amount(const kp_journal_record *r)
{
    return (long long)json_integer_value(json_object_get(r->json, "amount"));
}

const char *kp_journal_record_terminal(const kp_journal_record *r)
{
    return get_str(r->json, "terminal");
}

const char *kp_journal_record_api(const kp_journal_record *r)
{
    const char *api = get_str(r->json, "api");
    return api ? api : "v1";
}

const char *kp_journal_record_method(const kp_journal_record *r)
{
    return get_str(r->json, "method");
}

const char *kp_journal_record_refund_transaction_id(const kp_journal_record *r)
{
    return get_str(r->json, "refundTransactionId");
}

kp_journal_state kp_journal_record_state(const kp_journal_record *r)
{
    int i = name_index(state_names, KP_JOURNAL_DONE + 1, get_str(r->json, "state"));
    return i < 0 ? KP_JOURNAL_INTENT : (kp_journal_state)i;
}

const char *kp_journal_record_process_id(const kp_journal_record *r)
{
    return get_str(r->json, "processId");
}

const char *kp_journal_record_created(const kp_journal_record *r)
{
    return get_str(r->json, "created");
}

const char *kp_journal_record_updated(const kp_journal_record *r)
{
    return get_str(r->json, "updated");
}

const char *kp_journal_record_start_response(const kp_journal_record *r, size_t *len)
{
    if (len)
        *len = r->has_start ? r->start.len : 0;
    return r->has_start ? kp_buf_str(&r->start) : NULL;
}

const char *kp_journal_record_status_response(const kp_journal_record *r, size_t *len)
{
    if (len)
        *len = r->has_status ? r->status.len : 0;
    return r->has_status ? kp_buf_str(&r->status) : NULL;
}

kp_journal_final kp_journal_record_final_status(const kp_journal_record *r)
{
    int i = name_index(final_names, KP_JOURNAL_FINAL_UNKNOWN + 1, get_str(r->json, "finalStatus"));
    return i < 0 ? KP_JOURNAL_FINAL_NONE : (kp_journal_final)i;
}

const char *kp_journal_record_transaction_id(const kp_journal_record *r)
{
    return get_str(r->json, "transactionId");
}

const char *kp_journal_record_cheque(const kp_journal_record *r)
{
    return get_str(r->json, "cheque");
}

void kp_journal_record_print_request(const kp_journal_record *r, kp_journal_print_request *out)
{
    const json_t *p = json_object_get(r->json, "print");
    out->printer = get_str(p, "printer");
    out->output = get_str(p, "output");
    out->format = get_str(p, "format");
    out->template_name = get_str(p, "template");
    out->profile = get_str(p, "profile");
}

int kp_journal_record_print_ok(const kp_journal_record *r)
{
    const json_t *ok = json_object_get(json_object_get(r->json, "printResult"), "ok");
    return json_is_boolean(ok) ? json_is_true(ok) : -1;
}

const char *kp_journal_record_print_error(const kp_journal_record *r)
{
    return get_str(json_object_get(r->json, "printResult"), "error");
}

const char *kp_journal_record_print_job_id(const kp_journal_record *r)
{
    return get_str(json_object_get(r->json, "printResult"), "jobId");
}

const char *kp_journal_record_note(const kp_journal_record *r)
{
    return get_str(r->json, "note");
}

const json_t *kp_journal_record_json(const kp_journal_record *r)
{
    return r->json;
}

/* ------------------------------------------------------------------ the lock */

static void read_holder(int fd, char *pid, size_t size)
{
    ssize_t n = pread(fd, pid, size - 1, 0);
    size_t len = n > 0 ? (size_t)n : 0;
    pid[len] = '\0';
    while (len > 0 && (pid[len - 1] == '\n' || pid[len - 1] == ' '))
        pid[--len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (pid[i] < '0' || pid[i] > '9')
            pid[0] = '\0';
}

kp_status kp_journal_lock_terminal(kp_journal *j, const char *terminal, kp_journal_lock **out,
                                   kp_error *err)
{
    char clean[KP_JOURNAL_ID_MAX + 1], path[PATH_MAX], pid[32];
    kp_journal_lock *lock;
    int fd;

    *out = NULL;
    if (!terminal || !*terminal || strlen(terminal) > KP_JOURNAL_ID_MAX)
        return kp_error_set(err, KP_ERR_USAGE, "bad terminal address for the lock");
    sanitize(terminal, clean, sizeof clean);
    snprintf(path, sizeof path, "%s/terminal-%s.lock", j->dir, clean);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return kp_error_set(err, KP_ERR_SETUP, "cannot open the lock %s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e != EWOULDBLOCK) {
            close(fd);
            return kp_error_set(err, KP_ERR_IO, "cannot lock %s: %s", path, strerror(e));
        }
        read_holder(fd, pid, sizeof pid);
        close(fd);
        if (*pid)
            return kp_error_set(err, KP_ERR_BUSY, "another kaspi-pay is using terminal %s (pid %s)",
                                terminal, pid);
        return kp_error_set(err, KP_ERR_BUSY, "another kaspi-pay is using terminal %s", terminal);
    }
    snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
        int e = errno;
        close(fd);
        return kp_error_set(err, KP_ERR_IO, "cannot write the lock %s: %s", path, strerror(e));
    }
    if (!(lock = malloc(sizeof *lock))) {
        close(fd);
        return kp_error_set(err, KP_ERR_NOMEM, "out of memory");
    }
    lock->fd = fd;
    *out = lock;
    return KP_OK;
}

void kp_journal_unlock(kp_journal_lock *lock)
{
    if (!lock)
        return;
    if (ftruncate(lock->fd, 0) != 0) {
        /* the stale pid only shows in a message; the lock is freed anyway */
    }
    close(lock->fd);
    free(lock);
}
