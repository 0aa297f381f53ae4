# Measuring helpers for scripts/bench.d/*.sh. Source it.
#
# measure LABEL UNITS COMMAND [SETUP]   runs COMMAND (a shell string) REPEAT times
#   (default 5), each after SETUP (untimed: clearing the last run's output, say),
#   and prints the median wall time, UNITS/s and median peak RSS.
#   Sets MEASURED_RATE (UNITS per second, median) for ratio lines.
# ratio LABEL A B   prints A/B with two decimals.
#
# For runs of several commands taken in turns (so that the machine's drift over a case
# reaches each of them alike): timed NAME COMMAND [SETUP] runs COMMAND once and keeps
# its wall time and peak RSS as a sample of NAME; report NAME LABEL UNITS prints NAME's
# medians as measure does; paired_ratio LABEL A B prints the median over rounds of B's
# time over A's (A's speed over B's); forget NAME... drops the samples.

REPEAT="${REPEAT:-5}"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

timed() {
    local name="$1" command="$2" setup="${3:-}"
    [ -z "$setup" ] || bash -c "$setup"
    # time(1) writes to its own file: the command's stderr goes to /dev/null.
    /usr/bin/time -f '%e %M' -o "$WORK/.measure-time" bash -c "$command" >/dev/null 2>/dev/null \
        || { echo "measure: '$name' failed: $command" >&2; return 1; }
    tail -1 "$WORK/.measure-time" >> "$WORK/.samples-$name"
}

report() {
    local name="$1" label="$2" units="$3" t r
    t=$(awk '{ print $1 }' "$WORK/.samples-$name" | median)
    r=$(awk '{ print $2 }' "$WORK/.samples-$name" | median)
    MEASURED_RATE=$(awk -v u="$units" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? u / t : 0) }')
    printf '%-44s %10s/s  %7.3f s  %6.1f MB peak RSS\n' "$label" "$MEASURED_RATE" "$t" "$(awk -v r="$r" 'BEGIN{print r/1024}')"
}

forget() {
    for name in "$@"; do rm -f "$WORK/.samples-$name"; done
}

measure() {
    local label="$1" units="$2" command="$3" setup="${4:-}"
    forget measure
    for _ in $(seq "$REPEAT"); do timed measure "$command" "$setup" || return 1; done
    report measure "$label" "$units"
}

paired_ratio() {
    local rounds
    rounds=$(paste -d ' ' "$WORK/.samples-$2" "$WORK/.samples-$3" | awk '{ print ($1 > 0 ? $3 / $1 : 0) }')
    printf '%-44s %8.2fx (rounds: %s)\n' "$1" "$(median <<< "$rounds")" \
        "$(sort -g <<< "$rounds" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
}

ratio() {
    printf '%-44s %8.2fx\n' "$1" "$(awk -v a="$2" -v b="$3" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}
