package io.synod.coordinator.cli;

/** Just enough JSON output for {@code --json}: string quoting. */
final class Json
{
    private Json()
    {
    }

    /** @return {@code s} as a JSON string literal (null as {@code null}). */
    static String quote(final String s)
    {
        if (s == null)
        {
            return "null";
        }
        final StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
