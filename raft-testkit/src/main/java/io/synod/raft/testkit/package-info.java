/**
 * Testing Raft code and the state machines built on it: the deterministic simulator ({@link
 * io.synod.raft.testkit.Simulation}), the invariant checker ({@link io.synod.raft.testkit.RaftInvariants}), the
 * scriptable {@link io.synod.raft.testkit.LoopbackCluster}, crash-aware storage, and the {@link
 * io.synod.raft.testkit.RaftLogContract} suite for your own {@link io.synod.raft.RaftLog}.
 *
 * <h2>Dependencies</h2>
 * raft-testkit forces no test framework on you: it depends on {@code raft-core} and, <em>optionally</em>,
 * on {@code org.junit.jupiter:junit-jupiter-api}, which only {@link io.synod.raft.testkit.RaftLogContract}
 * uses. The simulator, the checkers and the linearizability checker need no JUnit at all. To extend
 * {@code RaftLogContract}, add JUnit 5 to your own test dependencies, API and engine, for example:
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>org.junit.jupiter</groupId>
 *   <artifactId>junit-jupiter</artifactId>
 *   <version>5.14.4</version> <!-- or what your junit-bom says -->
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 */
package io.synod.raft.testkit;
