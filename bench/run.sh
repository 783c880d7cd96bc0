#!/usr/bin/env bash
# Runs the benchmark suite of collecte and summarises each benchmark as
# median, min and max over the repeated runs.
#
#   bench/run.sh            full sizes, COUNT (default 5) runs of the short benchmarks
#   SHORT=1 bench/run.sh    reduced sizes, one run each: the CI check
#
# Results go to OUT (default /tmp/collecte-bench-out): one raw file per step
# and a .sum file with medians. The hourly archive (8,760 commits) is built
# once into COLLECTE_BENCH_CACHE (default /tmp/collecte-bench-cache) and
# reused; building it takes about 15 minutes on a 2-core machine, and
# git gc --aggressive on a copy more than 2 hours. STEPS selects the
# steps, such as STEPS="crawl history"; COLLECTE_BENCH_HISTORY_ARCHIVE
# points the history step at another archive.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
OUT=${OUT:-/tmp/collecte-bench-out}
STEPS=${STEPS:-"crawl binary snapshot growth soak hourly history"}
mkdir -p "$OUT"

echo "== machine"
{
	date -u +%Y-%m-%dT%H:%M:%SZ
	echo "nproc: $(nproc)"
	lscpu | grep -i 'model name' || true
	go version
	git --version
} | tee "$OUT/machine.txt"

if [ "${SHORT:-}" = 1 ]; then
	echo "== short mode: every benchmark once with reduced sizes"
	go test -short -run '^$' -bench . -benchtime 1x -timeout 10m ./bench/
	exit 0
fi

# bench NAME PATTERN COUNT [go test flags...] runs one step.
bench() {
	local name=$1 pattern=$2 count=$3
	shift 3
	echo "== $name: go test -run '^\$' -bench '$pattern' -count $count $*"
	go test -run '^$' -bench "$pattern" -count "$count" -timeout 0 "$@" ./bench/ | tee "$OUT/$name.txt"
	go run ./bench/cmd/benchsum <"$OUT/$name.txt" | tee "$OUT/$name.sum"
}

for step in $STEPS; do
	case $step in
	crawl) bench crawl 'BenchmarkCrawl$' "$COUNT" -benchtime 1x ;;
	binary) bench binary 'BenchmarkCrawlBinary$' 3 -benchtime 1x ;;
	snapshot) bench snapshot 'BenchmarkSnapshot$' "$COUNT" -benchmem ;;
	history) bench history 'BenchmarkHistory$' "$COUNT" -benchtime 1x ;;
	growth) bench growth 'BenchmarkArchiveGrowth$/daily' 1 -benchtime 1x ;;
	hourly) bench hourly 'BenchmarkArchiveGrowth$/hourly' 1 -benchtime 1x ;;
	soak) bench soak 'BenchmarkSoak$' 1 -benchtime 1x ;;
	*) echo "unknown step $step" >&2; exit 2 ;;
	esac
done
