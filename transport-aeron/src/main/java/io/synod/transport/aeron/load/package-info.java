/**
 * A load driver and a checking state machine for clusters of {@link io.synod.transport.aeron.AeronRaftNode}s in
 * one process: {@link io.synod.transport.aeron.load.ClusterClient} keeps a window of proposals in flight against
 * whichever member leads and records every acknowledgement with its index, and
 * {@link io.synod.transport.aeron.load.ChecksumStateMachine} keeps a running checksum (and optionally the id at
 * each index) so that replicas and acknowledgements can be compared. Used by the transport's own cluster tests
 * and by the coordinator's local demo.
 */
package io.synod.transport.aeron.load;
