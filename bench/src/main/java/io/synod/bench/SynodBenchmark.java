package io.synod.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * Base of the Synod JMH benchmarks: holds the one fork configuration, inherited by every subclass (JMH
 * annotations are inherited). The forks' JVM arguments are not listed here: {@link BenchMain}, the main class
 * of {@code benchmarks.jar}, appends {@link BenchJvmFlags} (the root pom's {@code synod.jvm.flags}, filtered into
 * the jar) to every fork. Running a benchmark through another launcher (an IDE plugin) needs
 * {@code -jvmArgsAppend} with the output of {@code java -cp benchmarks.jar io.synod.bench.BenchJvmFlags}.
 */
@Fork(1)
public abstract class SynodBenchmark
{
}
