package io.synod.raft;

/**
 * Hooks for rare events of a node, for logging, metrics and leadership listeners. Called on the
 * node's thread; implementations must not block. Default methods do nothing.
 */
public interface RaftObserver
{
    /** Does nothing. */
    RaftObserver NONE = new RaftObserver()
    {
    };

    /** Logs each role change as one line through {@link System.Logger} (INFO). */
    RaftObserver LOGGING = new RaftObserver()
    {
        private final System.Logger logger = System.getLogger("io.synod.raft");

        @Override
        public void onRoleChange(
            final int groupId, final int memberId, final RaftRole from, final RaftRole to, final long term, final String reason)
        {
            logger.log(System.Logger.Level.INFO, "group={0} member={1} {2} -> {3} term={4}: {5}",
                groupId, memberId, from, to, term, reason);
        }
    };

    /**
     * The node changed role. {@code reason} is a constant string naming the cause.
     */
    default void onRoleChange(
        final int groupId, final int memberId, final RaftRole from, final RaftRole to, final long term, final String reason)
    {
    }
}
