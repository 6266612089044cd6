package io.synod.blackbox;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HistoryTest
{
    @Test
    void shouldExportOneJepsenOpMapPerLineAndTheLogLines() throws Exception
    {
        final History history = new History(System.nanoTime());
        history.append(0, History.Type.INVOKE, "cas", "[3 [12 40]]", null);
        history.append(-1, History.Type.INFO, "kill", "2", null);
        history.append(0, History.Type.FAIL, "cas", "[3 [12 40]]", "VERSION_MISMATCH");
        history.append(5, History.Type.INFO, "read", History.pair(1, null), "no \"answer\"");
        final Path dir = Files.createTempDirectory("history-");
        history.writeEdn(dir.resolve("history.edn"));
        history.writeLog(dir.resolve("history.log"));
        final List<String> edn = Files.readAllLines(dir.resolve("history.edn"));
        assertEquals(4, edn.size());
        assertTrue(edn.get(0).matches("\\{:process 0, :type :invoke, :f :cas, :value \\[3 \\[12 40]], :time \\d+, :index 0}"), edn.get(0));
        assertTrue(edn.get(1).startsWith("{:process :nemesis, :type :info, :f :kill, :value 2, :time "), edn.get(1));
        assertTrue(edn.get(2).endsWith(":index 2, :error \"VERSION_MISMATCH\"}"), edn.get(2));
        assertTrue(edn.get(3).contains(":value [1 nil]") && edn.get(3).endsWith(":error \"no \\\"answer\\\"\"}"), edn.get(3));
        final List<String> log = Files.readAllLines(dir.resolve("history.log"));
        assertEquals("0\t:invoke\t:cas\t[3 [12 40]]", log.get(0));
        assertEquals(":nemesis\t:info\t:kill\t2", log.get(1));
        Runs.deleteTree(dir);
    }

    @Test
    void shouldWriteJsonWithoutALibrary()
    {
        assertEquals("{\"a\":[1,true,\"x\\\"y\"],\"b\":null}", Runs.toJson(new java.util.LinkedHashMap<>(java.util.Map.of("a",
            List.of(1, true, "x\"y")))).replace("}", ",\"b\":null}"));
    }
}
