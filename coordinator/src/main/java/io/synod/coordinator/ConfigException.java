package io.synod.coordinator;

/**
 * A configuration or start-up problem an operator can fix: its message is one line naming the key, port or
 * path, printed as {@code synod: error: <message>} with exit code {@link SynodExit#CONFIG}; never a stack trace.
 */
public final class ConfigException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** @param message one line naming what is wrong and where. */
    public ConfigException(final String message)
    {
        super(message, null, false, false);
    }
}
