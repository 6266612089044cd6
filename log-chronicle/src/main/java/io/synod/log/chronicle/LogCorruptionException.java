package io.synod.log.chronicle;

/**
 * Thrown when a log or state file fails verification: on open (recovery refuses to start a node on a log it
 * cannot trust) or when a read finds a record whose checksum no longer matches. It names the file and, where
 * known, the raft index at which verification failed.
 *
 * <p>Never thrown for a torn last record: recovery truncates that one, since it can only be the write that
 * was in progress when the process stopped.
 */
public final class LogCorruptionException extends RuntimeException
{
    /** Index reported when the failure cannot be tied to one raft index. */
    public static final long UNKNOWN_INDEX = -1;

    private static final long serialVersionUID = 1L;

    private final String file;
    private final long index;

    /**
     * @param file   the file that failed verification.
     * @param index  the raft index that failed, or {@link #UNKNOWN_INDEX}.
     * @param reason what was wrong.
     */
    public LogCorruptionException(final String file, final long index, final String reason)
    {
        super(reason + " [file=" + file + ", index=" + (UNKNOWN_INDEX == index ? "unknown" : Long.toString(index)) + "]");
        this.file = file;
        this.index = index;
    }

    /**
     * @param file   the file that failed verification.
     * @param index  the raft index that failed, or {@link #UNKNOWN_INDEX}.
     * @param reason what was wrong.
     * @param cause  the underlying failure.
     */
    public LogCorruptionException(final String file, final long index, final String reason, final Throwable cause)
    {
        this(file, index, reason);
        initCause(cause);
    }

    /** @return the path of the file that failed verification. */
    public String file()
    {
        return file;
    }

    /** @return the raft index that failed verification, or {@link #UNKNOWN_INDEX}. */
    public long index()
    {
        return index;
    }
}
