# Measuring helpers for scripts/bench.d/*.sh. Source it.
#
# measure LABEL UNITS COMMAND [SETUP]   runs COMMAND (a shell string) REPEAT times
#   (default 5), each after SETUP (untimed: clearing the last run's output, say),
#   and prints the median wall time, UNITS/s and median peak RSS.
#   Sets MEASURED_RATE (UNITS per second, median) for ratio lines.
# ratio LABEL A B   prints A/B with two decimals.

REPEAT="${REPEAT:-5}"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

measure() {
    local label="$1" units="$2" command="$3" setup="${4:-}"
    local times=() rss=()
    for _ in $(seq "$REPEAT"); do
        local out
        [ -z "$setup" ] || bash -c "$setup"
        # time(1) writes to its own file: the command's stderr goes to /dev/null.
        /usr/bin/time -f '%e %M' -o "$WORK/.measure-time" bash -c "$command" >/dev/null 2>/dev/null \
            || { echo "measure: '$label' failed: $command" >&2; return 1; }
        out=$(tail -1 "$WORK/.measure-time")
        times+=("${out% *}")
        rss+=("${out#* }")
    done
    local t r
    t=$(printf '%s\n' "${times[@]}" | median)
    r=$(printf '%s\n' "${rss[@]}" | median)
    MEASURED_RATE=$(awk -v u="$units" -v t="$t" 'BEGIN { printf "%.0f", (t > 0 ? u / t : 0) }')
    printf '%-44s %10s/s  %7.3f s  %6.1f MB peak RSS\n' "$label" "$MEASURED_RATE" "$t" "$(awk -v r="$r" 'BEGIN{print r/1024}')"
}

ratio() {
    printf '%-44s %8.2fx\n' "$1" "$(awk -v a="$2" -v b="$3" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}
