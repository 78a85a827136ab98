# tests/cups-lab.sh: a private CUPS scheduler for the integration tests (sourced
# after tests/lib.sh, not run).  It never touches the system's /etc/cups or its
# daemon: each lab is a tree under $KP_TMP with its own configuration, spool,
# logs, filters and backends, listening on a Unix socket and a free loopback
# port.  See ../shared/cups-lab.md for the facts this relies on.
#
#   lab_start                      start the scheduler (exit 77 when cupsd is missing);
#                                  exports CUPS_SERVER and sets LAB, LAB_PORT, LAB_LOG
#   lab_install_filter PATH [NAME] copy a filter into the lab's ServerBin/filter
#   lab_install_backend PATH [NAME] copy a backend into ServerBin/backend
#   lab_add_queue NAME PPD URI     a queue from a PPD ("" for a raw queue)
#   lab_add_capture_queue NAME PPD a queue whose device writes each job's data to
#                                  $LAB/capture/JOBID-N.out (N = 1, 2, ... in order),
#                                  and its user, title, copies, options (one a
#                                  line) to $LAB/capture/JOBID-N.args
#   lab_wait_job JOB [SECONDS]     wait until the job is completed, canceled or
#                                  aborted (default 15 s); prints its final state
#   lab_job_type JOB               the MIME type cupsd gave the job's document
#   lab_restart                    stop it and start it again on the same tree
#                                  (after a change to its configuration)
#   lab_stop                       stop the scheduler (also done at exit)
#
# When the tests run as root, cupsd runs as the unprivileged user `nobody`
# (setpriv), with the lab tree owned by it: a non-root cupsd runs its children
# as itself and checks no ownership, so freshly built programs run as they are.

LAB=""
LAB_PID=""
LAB_PORT=""
LAB_LOG=""
LAB_RUN_AS=""

lab__as_owner() {  # run a command as the scheduler's user
    if [ -n "$LAB_RUN_AS" ]; then
        setpriv --reuid="$LAB_RUN_AS" --regid="$LAB_RUN_GROUP" --clear-groups -- "$@"
    else
        "$@"
    fi
}

lab__write_config() {
    cat >"$LAB/etc/cups-files.conf" <<CONF
ServerRoot $LAB/etc
RequestRoot $LAB/spool
TempDir $LAB/spool/tmp
CacheDir $LAB/cache
StateDir $LAB/run
ServerBin $LAB/bin
DataDir ${LAB_DATADIR:-/usr/share/cups}
ErrorLog $LAB/log/error_log
AccessLog $LAB/log/access_log
PageLog $LAB/log/page_log
Printcap $LAB/run/printcap
FileDevice No
SetEnv KASPI_LAB $LAB
CONF
    cat >"$LAB/etc/cupsd.conf" <<CONF
Listen 127.0.0.1:$LAB_PORT
Listen $LAB/run/cups.sock
Browsing No
WebInterface No
DefaultAuthType None
ErrorPolicy abort-job
LogLevel debug
MaxLogSize 0
JobRetryInterval 1
PreserveJobFiles No

<Location />
  Order allow,deny
  Allow 127.0.0.1
  Allow @LOCAL
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
}

lab_start() {
    command -v cupsd >/dev/null 2>&1 || [ -x /usr/sbin/cupsd ] || kp_skip "cupsd is not installed (package cups-daemon)"
    command -v lpadmin >/dev/null 2>&1 || [ -x /usr/sbin/lpadmin ] || kp_skip "lpadmin is not installed (package cups-client)"
    [ -x /usr/lib/cups/daemon/cups-exec ] || kp_skip "cups-exec is missing (package cups-daemon)"
    PATH=$PATH:/usr/sbin
    LAB=$KP_TMP/lab
    LAB_PORT=$(kp_free_port)
    mkdir -p "$LAB/etc/ppd" "$LAB/spool/tmp" "$LAB/cache" "$LAB/run" "$LAB/log" \
        "$LAB/bin/backend" "$LAB/bin/filter" "$LAB/bin/daemon" "$LAB/capture"
    ln -s /usr/lib/cups/daemon/cups-exec "$LAB/bin/daemon/cups-exec"
    lab__write_config
    lab__install_mime
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null 2>&1 || kp_skip "setpriv is missing: cannot run cupsd unprivileged"
        LAB_RUN_AS=$(id -u nobody 2>/dev/null) || kp_skip "no user nobody to run cupsd as"
        LAB_RUN_GROUP=$(id -g nobody)
        chmod 0711 "$KP_TMP"
        chown -R "$LAB_RUN_AS:$LAB_RUN_GROUP" "$LAB"
    fi
    lab__as_owner cupsd -t -c "$LAB/etc/cupsd.conf" -s "$LAB/etc/cups-files.conf" >"$KP_TMP/cupsd-t.log" 2>&1 \
        || { cat "$KP_TMP/cupsd-t.log" >&2; kp_fail "the lab's cupsd configuration is refused"; }
    LAB_LOG=$LAB/log/error_log
    CUPS_SERVER=$LAB/run/cups.sock
    export CUPS_SERVER LAB
    lab__launch start
}

lab__launch() {  # WHAT ("start", "start again"): cupsd on $LAB, waited for
    # Started directly (setpriv execs cupsd), so $! is cupsd's own pid.
    if [ -n "$LAB_RUN_AS" ]; then
        setpriv --reuid="$LAB_RUN_AS" --regid="$LAB_RUN_GROUP" --clear-groups -- \
            cupsd -f -c "$LAB/etc/cupsd.conf" -s "$LAB/etc/cups-files.conf" >>"$LAB/log/cupsd.out" 2>&1 &
    else
        cupsd -f -c "$LAB/etc/cupsd.conf" -s "$LAB/etc/cups-files.conf" >>"$LAB/log/cupsd.out" 2>&1 &
    fi
    LAB_PID=$!
    KP_PIDS="$KP_PIDS $LAB_PID"
    lab__wait_running || { lab__dump_log; kp_fail "the lab's cupsd did not $1"; }
}

lab_restart() {  # the same tree, queues and jobs; its configuration read again
    lab_stop
    lab__launch "start again"
}

lab__wait_running() {  # up to ~10 s, 50 ms at a time
    local i=0
    while [ $i -lt 200 ]; do
        [ "$(lpstat -r 2>/dev/null)" = "scheduler is running" ] && return 0
        kill -0 "$LAB_PID" 2>/dev/null || return 1
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

lab__dump_log() {
    echo "--- lab cupsd output:" >&2
    cat "$LAB/log/cupsd.out" >&2 2>/dev/null
    echo "--- lab error_log (tail, without client chatter):" >&2
    grep -v '\[Client [0-9]*\]\|cupsdSetBusyState' "$LAB/log/error_log" 2>/dev/null | tail -n 40 >&2
}

# The project's MIME rules go into ServerRoot, where cupsd reads *.types/*.convs.
lab__install_mime() {
    cp "$top_srcdir/filters/kaspi.types" "$top_srcdir/filters/kaspi.convs" "$LAB/etc/"
}

lab__install_program() {  # PATH DIR NAME
    [ -f "$1" ] || kp_fail "cannot install $1 in the lab: no such file"
    cp "$1" "$2/$3"
    chmod 0755 "$2/$3"
    [ -z "$LAB_RUN_AS" ] || chown "$LAB_RUN_AS:$LAB_RUN_GROUP" "$2/$3"
}

lab_install_filter() { lab__install_program "$1" "$LAB/bin/filter" "${2:-$(basename "$1")}"; }
lab_install_backend() { lab__install_program "$1" "$LAB/bin/backend" "${2:-$(basename "$1")}"; }

lab_add_queue() {  # NAME PPD URI
    local ppd_arg=""
    if [ -n "$2" ]; then ppd_arg="-P $2"; fi
    # shellcheck disable=SC2086
    lpadmin -p "$1" -E -v "$3" $ppd_arg >"$KP_TMP/lpadmin.log" 2>&1 \
        || { cat "$KP_TMP/lpadmin.log" >&2; lab__dump_log; kp_fail "lpadmin could not add queue $1"; }
    cupsenable "$1" && cupsaccept "$1" || kp_fail "could not enable queue $1"
}

lab_add_capture_queue() {  # NAME PPD
    [ -x "$LAB/bin/backend/capture" ] || lab_install_backend "$top_srcdir/tests/capture-backend" capture
    lab_add_queue "$1" "$2" "capture:$LAB/capture"
}

lab_wait_job() {  # JOB [SECONDS]
    local limit=$(( ${2:-15} * 20 )) i=0
    while [ $i -lt $limit ]; do
        if ! lpstat -W not-completed -o 2>/dev/null | grep -qE -- "-$1( |\$)"; then
            lab__final_state "$1"
            return 0
        fi
        [ $((i % 100)) -ne 99 ] || echo "  ... job $1 still not finished after $((i / 20 + 1)) s" >&2
        sleep 0.05
        i=$((i + 1))
    done
    lab__dump_log
    kp_fail "job $1 did not finish in ${2:-15} s"
}

# The final state of a finished job, as the scheduler logged it.
lab__final_state() {
    if grep -q "\[Job $1\] Job completed" "$LAB_LOG" 2>/dev/null; then echo completed
    elif grep -q "\[Job $1\] Job aborted" "$LAB_LOG" 2>/dev/null; then echo aborted
    elif grep -q "\[Job $1\] Job canceled" "$LAB_LOG" 2>/dev/null; then echo canceled
    else grep "\[Job $1\]" "$LAB_LOG" | grep -i "job.*\(stopped\|completed\|aborted\|canceled\)" | tail -n 1 | sed 's/.*\] //' ; fi
}

lab_job_type() {  # JOB
    sed -n "s/.*\[Job $1\] Request file type is \([^ ]*\)\.\$/\1/p" "$LAB_LOG" | head -n 1
}

lab_stop() {
    [ -n "$LAB_PID" ] || return 0
    kill -TERM "$LAB_PID" 2>/dev/null
    wait "$LAB_PID" 2>/dev/null
    LAB_PID=""
}
