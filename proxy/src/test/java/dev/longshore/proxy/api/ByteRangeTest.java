package dev.longshore.proxy.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteRangeTest {

    @Test
    void parse_noHeader_meansWholeBlob() {
        assertThat(ByteRange.parse(null, 100)).isEmpty();
    }

    @Test
    void parse_closedRange_isInclusive() {
        ByteRange range = ByteRange.parse("bytes=10-19", 100).orElseThrow();
        assertThat(range).isEqualTo(new ByteRange(10, 19));
        assertThat(range.length()).isEqualTo(10);
        assertThat(range.contentRange(100)).isEqualTo("bytes 10-19/100");
    }

    @Test
    void parse_openRange_runsToTheEnd() {
        assertThat(ByteRange.parse("bytes=90-", 100)).contains(new ByteRange(90, 99));
    }

    @Test
    void parse_suffixRange_takesTheLastBytes() {
        assertThat(ByteRange.parse("bytes=-10", 100)).contains(new ByteRange(90, 99));
        assertThat(ByteRange.parse("bytes=-500", 100)).contains(new ByteRange(0, 99));
    }

    @Test
    void parse_lastBeyondSize_isClamped() {
        assertThat(ByteRange.parse("bytes=50-1000", 100)).contains(new ByteRange(50, 99));
    }

    @Test
    void parse_positionsBeyondALong_areBeyondTheBlob() {
        assertThat(ByteRange.parse("bytes=50-99999999999999999999999", 100)).contains(new ByteRange(50, 99));
        assertThat(ByteRange.parse("bytes=-99999999999999999999999", 100)).contains(new ByteRange(0, 99));
    }

    @Test
    void parse_unitIsCaseInsensitiveAndSeparatorsMayHaveSpaces() {
        assertThat(ByteRange.parse("BYTES=10-19", 100)).contains(new ByteRange(10, 19));
        assertThat(ByteRange.parse("Bytes = 10 - 19", 100)).contains(new ByteRange(10, 19));
    }

    @Test
    void ifRange_allowsTheRangeOnlyForTheBlobsOwnEntityTag() {
        String tag = "\"sha256:abc\"";
        assertThat(ByteRange.ifRangeAllows(null, tag)).isTrue();
        assertThat(ByteRange.ifRangeAllows(tag, tag)).isTrue();
        assertThat(ByteRange.ifRangeAllows("\"sha256:def\"", tag)).isFalse();
        assertThat(ByteRange.ifRangeAllows("W/" + tag, tag)).isFalse();
        assertThat(ByteRange.ifRangeAllows("Tue, 01 Dec 2026 10:00:00 GMT", tag)).isFalse();
    }

    @Test
    void parse_severalRangesOrOtherUnits_meanWholeBlob() {
        assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isEmpty();
        assertThat(ByteRange.parse("items=0-1", 100)).isEmpty();
    }

    @Test
    void parse_unsatisfiable_isRangeInvalid() {
        for (String header : new String[]{"bytes=100-", "bytes=20-10", "bytes=-0", "bytes=99999999999999999999999-",
                "bytes=99999999999999999999999-99999999999999999999999"}) {
            assertThatThrownBy(() -> ByteRange.parse(header, 100))
                    .as(header)
                    .isInstanceOfSatisfying(RegistryException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.RANGE_INVALID);
                        assertThat(e.code().status().code()).isEqualTo(416);
                    });
        }
    }
}
