package dev.longshore.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {

    private static final String HEX64 = "a".repeat(64);

    @Test
    void parse_sha256_splitsAlgorithmAndHex() {
        Digest digest = Digest.parse("sha256:" + HEX64);

        assertThat(digest.algorithm()).isEqualTo("sha256");
        assertThat(digest.hex()).isEqualTo(HEX64);
        assertThat(digest).hasToString("sha256:" + HEX64);
    }

    @Test
    void parse_sha512_accepted() {
        assertThat(Digest.parse("sha512:" + "0".repeat(128)).algorithm()).isEqualTo("sha512");
    }

    @Test
    void sha256Of_matchesKnownVector() {
        assertThat(Digest.sha256Of("abc".getBytes(StandardCharsets.US_ASCII)).hex())
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "md5:d41d8cd98f00b204e9800998ecf8427e",                                   // algorithm we cannot verify
            "SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  // uppercase algorithm
            "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // uppercase hex
            "sha256:aaaa",                                                            // too short
            "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // 65 chars
            "sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  // sha256 length for sha512
            "sha256:../../../../etc/passwd",                                          // path traversal
            "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/../a",  // traversal of the right length
            "../sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // traversal in the algorithm
            "sha256",                                                                 // no colon
            ":aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",       // no algorithm
            "sha256:",                                                                // no hex
            ""
    })
    void parse_invalid_throwsIllegalArgument(String text) {
        assertThatThrownBy(() -> Digest.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parse_null_throwsIllegalArgument() {
        assertThatThrownBy(() -> Digest.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
