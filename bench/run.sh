#!/usr/bin/env bash
# Builds the benchmark uber-jar and runs, in one go: the JMH suite with -prof gc (codecs, core on a
# simulated 3-node cluster, Chronicle append, single-node and 3-node commit over Aeron) and the latency
# harness (Aeron UDP floor, Synod fixed-rate and closed-loop, Aeron Cluster and Apache Ratis peers).
# Output: bench/results/jmh.txt|json, bench/results/latest.md (+ latency-<time>.md), bench/results/hgrm/*.hgrm
# (gitignored), bench/results/yielding/latest.md (64 B rows with yielding threads), bench/results/machine.txt.
# About 12 minutes on 2 cores.
#   bench/run.sh                  # everything
#   bench/run.sh --skip-peers     # extra arguments go to LatencyHarness (--idle, --drivers, --ratis-rpc, --systems)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/results
mkdir -p "$OUT/hgrm" target
for attempt in 1 2 3; do  # other builds may wipe target/ dirs briefly
  mvn -q -pl bench -am package -Dmaven.test.skip=true && break
  sleep 5
done
JAR=bench/target/benchmarks.jar
# The JVM flags: root pom synod.jvm.flags + bench pom synod.bench.jvm.flags.extra, filtered into the jar (the same
# list BenchMain appends to every JMH fork).
FLAGS=$(java -cp "$JAR" io.synod.bench.BenchJvmFlags)
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc: $(nproc)"
  lscpu | grep -E 'Model name|^CPU\(s\)|Thread\(s\) per core' || true
  java -version 2>&1
  echo "uptime at start: $(uptime)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

java -Dsynod.bench.dir=target -jar "$JAR" \
  'CodecBenchmark|CoreClusterBenchmark|AeronCommitBenchmark|ChronicleAppendBenchmark' \
  -prof gc -wi 1 -w 1 -i 2 -r 2 -f 1 -rf json -rff "$OUT/jmh.json" | tee "$OUT/jmh-full.txt" \
  | grep -v -E 'gc\.(count|time)|gc\.alloc\.rate  ' > /dev/null
sed -n '/^Benchmark /,$p' "$OUT/jmh-full.txt" | grep -v -E '[·:]gc\.(count|time)|gc\.alloc\.rate |:p0\.(00|95|999|9999)|:p1\.00' > "$OUT/jmh.txt"
rm -f "$OUT/jmh-full.txt"
cat "$OUT/jmh.txt"

# shellcheck disable=SC2086
java $FLAGS -Xmx4g -cp "$JAR" io.synod.bench.LatencyHarness --out "$OUT" --dir target/harness --warmup 2 --duration 4 "$@"
# The same 64 B rows (floor, Synod PAGE_CACHE, Aeron Cluster) with yielding threads instead of backoff, for the
# idle-strategy comparison in README (Ratis has no idle strategy). Written to $OUT/yielding/latest.md.
# shellcheck disable=SC2086
java $FLAGS -Xmx4g -cp "$JAR" io.synod.bench.LatencyHarness --out "$OUT/yielding" --dir target/harness --warmup 2 --duration 4 \
  --idle yielding --systems floor,synod,aeron-cluster --sizes none
echo "uptime at end: $(uptime)" >> "$OUT/machine.txt"
cat "$OUT/machine.txt"
