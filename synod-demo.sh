#!/usr/bin/env bash
# The Synod demo: three Raft members on loopback UDP (embedded Aeron media drivers, Chronicle logs in a
# temporary directory); election, replication with a latency summary, leader kill, re-election, restart
# from the log, and a check that nothing acknowledged was lost. Arguments go to the demo
# (--commands N, --window N, --sync, --keep). Builds the modules it needs when their sources changed.
set -euo pipefail
cd "$(dirname "$0")"
CP_FILE=coordinator/target/demo.classpath
if [[ ! -f "$CP_FILE" ]] || [[ -n "$(find pom.xml raft-core log-chronicle transport-aeron coordinator -path '*/target' -prune -o \
      \( -name '*.java' -o -name pom.xml \) -newer "$CP_FILE" -print -quit)" ]]; then
  mvn -q -pl coordinator -am install -Dmaven.test.skip=true
  mvn -q -pl coordinator dependency:build-classpath -Dmdep.outputFile=target/demo.classpath -Dmdep.includeScope=runtime
fi
FLAGS=$(sed -n 's:.*<synod.jvm.flags>\(.*\)</synod.jvm.flags>.*:\1:p' pom.xml)
# shellcheck disable=SC2086
exec java $FLAGS -Dslf4j.internal.verbosity=ERROR -Xmx1g \
  -cp "coordinator/target/classes:$(cat "$CP_FILE")" io.synod.coordinator.demo.LocalClusterDemo "$@"
