package io.synod.blackbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's history in Jepsen's shape: every client operation as an {@code :invoke} followed by one completion
 * ({@code :ok}, {@code :fail} definitely not done, {@code :info} outcome unknown), and the nemesis's faults as
 * {@code :info} pairs of process {@code :nemesis}; each event with its time (ns since the run started) and its
 * index (its position in the history).
 *
 * <p>Exported twice ({@link #writeEdn}, {@link #writeLog}): {@code history.edn}, one op map per line as Knossos and
 * Elle read them, e.g. {@code {:process 0, :type :invoke, :f :cas, :value [3 [12 40]], :time 5120334, :index 17}};
 * and {@code history.log}, the lines {@code jepsen.util} prints ({@code 0\t:invoke\t:cas\t[3 [12 40]]}).
 *
 * <p>Register values: key k is the integer {@code k}; every write writes a value never written before, so a
 * compare-and-set by version ({@code SynodClient.compareAndSet(key, version, value)}) is recorded as the
 * equivalent cas by value, {@code [k [old new]]}, where old is the value the worker saw at that version
 * ({@code nil}: absent). A Knossos {@code cas-register} per key (jepsen.independent) checks the same history.
 *
 * <p>Threading: {@link #append} from any thread (synchronized); export after the run.
 */
final class History
{
    /** Event types. */
    enum Type
    {
        INVOKE, OK, FAIL, INFO;

        String edn()
        {
            return ":" + name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One event.
     *
     * @param index   position in the history.
     * @param process the Jepsen process (a worker's number; a new number after an {@code :info}), or -1 for the nemesis.
     * @param type    invoke or a completion.
     * @param f       the function, {@code read}, {@code write}, {@code cas}, or a nemesis fault.
     * @param value   the value as EDN text.
     * @param timeNs  ns since the run started.
     * @param error   for fail/info completions, why (may be null).
     */
    record Event(int index, int process, Type type, String f, String value, long timeNs, String error)
    {
        String edn()
        {
            return "{:process " + (process < 0 ? ":nemesis" : Integer.toString(process)) + ", :type " + type.edn() + ", :f :" + f +
                ", :value " + value + ", :time " + timeNs + ", :index " + index +
                (error == null ? "" : ", :error " + ednString(error)) + "}";
        }

        String logLine()
        {
            return (process < 0 ? ":nemesis" : Integer.toString(process)) + "\t" + type.edn() + "\t:" + f + "\t" + value +
                (error == null ? "" : "\t" + error);
        }
    }

    private final long startNs;
    private final List<Event> events = new ArrayList<>();

    History(final long startNs)
    {
        this.startNs = startNs;
    }

    /** Appends an event stamped now; @return its index. Any thread. */
    synchronized int append(final int process, final Type type, final String f, final String value, final String error)
    {
        final int index = events.size();
        events.add(new Event(index, process, type, f, value, System.nanoTime() - startNs, error));
        return index;
    }

    /** @return a copy of the events so far. */
    synchronized List<Event> events()
    {
        return new ArrayList<>(events);
    }

    /** @return ns since the run started. */
    long now()
    {
        return System.nanoTime() - startNs;
    }

    void writeEdn(final Path file)
    {
        write(file, true);
    }

    void writeLog(final Path file)
    {
        write(file, false);
    }

    private void write(final Path file, final boolean edn)
    {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8))
        {
            for (final Event event : events())
            {
                out.write(edn ? event.edn() : event.logLine());
                out.write('\n');
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return {@code [k v]} with {@code nil} for a null v. */
    static String pair(final int key, final Object value)
    {
        return "[" + key + " " + (value == null ? "nil" : value.toString()) + "]";
    }

    /** @return an EDN string literal. */
    static String ednString(final String text)
    {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
