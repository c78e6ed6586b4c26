package dev.longshore.benchmarks.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessTreeTest {

    private final long self = ProcessHandle.current().pid();

    @Test
    void cpuSecondsAndPeakRss_ofThisJvm_arePositive() throws Exception {
        assertThat(ProcessTree.cpuSeconds(self)).isPositive();
        assertThat(ProcessTree.peakRssKiB(self)).isPositive();
    }

    @Test
    void withDescendants_startsWithTheRoot() throws Exception {
        assertThat(ProcessTree.withDescendants(self)).first().isEqualTo(self);
    }
}
