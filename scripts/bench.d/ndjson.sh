# NDJSON core: pass-through and url+from extraction over 1,000,000 link records,
# beside jq on the same file. Needs: $BIN, $WORK, measure/ratio from lib/bench.sh.
links="$WORK/links-1m.ndjson"
[ -s "$links" ] || python3 scripts/lib/gen_links.py 1000000 > "$links"
lines=$(wc -l < "$links")
echo "input: $lines link records, $(du -m "$links" | cut -f1) MB"
measure "ndjson-bench pass-through" "$lines" "$BIN/ndjson-bench pass < $links"; pass=$MEASURED_RATE
measure "ndjson-bench extract url,from" "$lines" "$BIN/ndjson-bench extract url from < $links"; extract=$MEASURED_RATE
measure "jq -c ." "$lines" "jq -c . < $links"; jq=$MEASURED_RATE
ratio "pass-through / jq" "$pass" "$jq"
ratio "extraction / jq" "$extract" "$jq"
