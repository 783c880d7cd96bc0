// Package bench holds the benchmark suite of collecte. It measures crawl
// throughput against a loopback replay of the real 2021 capture, archive
// growth over a simulated year of snapshots, and history queries on a long
// archive. It also soaks repeated runs in one process and times the
// normalising and comparing of the real snapshots. The benchmarks live in the _test.go files; run.sh runs them
// and BENCHMARKS.md at the module root records the figures.
//
// With -short, or with COLLECTE_BENCH_SHORT=1, every benchmark shrinks its
// sizes so that one pass (-benchtime 1x) checks that it still works.
package bench
