package io.synod.raft.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Behaviour pinned while the core is restructured: seeds 1 to 500 (2,000 steps each) must end in
 * exactly the state recorded in {@code simulation-digests.txt} (every member's term, vote, role,
 * indexes, log entries, state machine and frame counters; see {@link Simulation.Result#digest}).
 *
 * <p>A change that moves code and changes no behaviour keeps every digest. A change that does change
 * behaviour rewrites the file in the same commit, whose message names the change:
 * {@code mvn -pl raft-testkit -am test -Dtest=SimulationDigestTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dsynod.sim.digest.write=true}.
 */
class SimulationDigestTest
{
    private static final String FILE = "simulation-digests.txt";
    private static final int SEEDS = 500;
    private static final long STEPS = 2_000;

    @Test
    void shouldEndEverySeedInTheRecordedState() throws IOException
    {
        final Map<Long, Long> actual = new TreeMap<>();
        for (long seed = 1; seed <= SEEDS; seed++)
        {
            actual.put(seed, Simulation.run(seed, STEPS).digest());
        }
        if (Boolean.getBoolean("synod.sim.digest.write"))
        {
            final List<String> lines = new ArrayList<>();
            lines.add("# seed digest: Simulation.run(seed, " + STEPS + ").digest(); rewritten only by a commit that names the behaviour change");
            actual.forEach((seed, digest) -> lines.add(seed + " " + Long.toHexString(digest)));
            final Path file = Path.of("src/test/resources", FILE);
            Files.write(file, lines, StandardCharsets.UTF_8);
            System.out.println("wrote " + file.toAbsolutePath());
            return;
        }

        final Map<Long, Long> expected = new TreeMap<>();
        try (InputStream in = SimulationDigestTest.class.getResourceAsStream("/" + FILE))
        {
            assertNotNull(in, FILE + " missing");
            for (final String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
            {
                if (!line.isBlank() && !line.startsWith("#"))
                {
                    final String[] fields = line.trim().split(" ");
                    expected.put(Long.parseLong(fields[0]), Long.parseUnsignedLong(fields[1], 16));
                }
            }
        }
        assertEquals(SEEDS, expected.size(), FILE + " lists every seed");
        final List<Long> changed = new ArrayList<>();
        expected.forEach((seed, digest) ->
        {
            if (!digest.equals(actual.get(seed)))
            {
                changed.add(seed);
            }
        });
        if (!changed.isEmpty())
        {
            fail(changed.size() + " of " + SEEDS + " seeds end in another state than recorded (behaviour changed): " +
                changed.subList(0, Math.min(20, changed.size())) + "; first replay: " +
                SimulationFailure.replayCommand(changed.get(0), STEPS));
        }
    }
}
