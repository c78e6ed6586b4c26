package dev.longshore.benchmarks.seed;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

class PseudoRandomBytesTest {

    @Test
    void read_sameSeed_sameBytesWhateverTheReadSizes() throws Exception {
        byte[] whole = new PseudoRandomBytes(42, 1001).readAllBytes();
        byte[] piecewise = readInPieces(new PseudoRandomBytes(42, 1001), 1, 3, 7, 8, 13, 64);

        assertThat(whole).hasSize(1001);
        assertThat(piecewise).isEqualTo(whole);
    }

    @Test
    void read_differentSeeds_differentBytes() throws Exception {
        assertThat(new PseudoRandomBytes(1, 64).readAllBytes()).isNotEqualTo(new PseudoRandomBytes(2, 64).readAllBytes());
    }

    @Test
    void read_atTheEnd_returnsMinusOne() throws Exception {
        PseudoRandomBytes in = new PseudoRandomBytes(7, 5);
        assertThat(in.read(new byte[10], 0, 10)).isEqualTo(5);
        assertThat(in.read(new byte[10], 0, 10)).isEqualTo(-1);
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void seedOf_isStableAcrossRuns() {
        // The benchmark images must be the same bytes on every run and machine.
        assertThat(Seeder.seedOf("bench/big-a/amd64/layer/0")).isEqualTo(Seeder.seedOf("bench/big-a/amd64/layer/0"));
        assertThat(Seeder.sha256(new byte[0]))
                .isEqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    private static byte[] readInPieces(InputStream in, int... sizes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64];
        for (int i = 0; ; i++) {
            int n = in.read(buffer, 0, sizes[i % sizes.length]);
            if (n == -1) {
                return out.toByteArray();
            }
            out.write(buffer, 0, n);
        }
    }
}
