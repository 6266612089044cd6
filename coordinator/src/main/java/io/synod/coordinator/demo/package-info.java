/**
 * The local cluster demo ({@code ./synod-demo.sh}): three members on loopback UDP with embedded media drivers
 * and Chronicle logs in a temporary directory; election, replication with a latency summary, leader kill,
 * re-election, restart from the log, and a check that nothing acknowledged was lost. The {@code synod} daemon
 * arrives in this module with the daemon issue.
 */
package io.synod.coordinator.demo;
