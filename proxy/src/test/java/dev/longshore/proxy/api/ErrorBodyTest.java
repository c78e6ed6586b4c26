package dev.longshore.proxy.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorBodyTest {

    @Test
    void of_writesTheSpecsErrorShape_withEscapedDetail() throws Exception {
        JsonNode body = new ObjectMapper().readTree(ErrorBody.of(ErrorCode.BLOB_UNKNOWN, "no \"blob\" here"));
        JsonNode error = body.get("errors").get(0);
        assertThat(body.get("errors").size()).isEqualTo(1);
        assertThat(error.get("code").asText()).isEqualTo("BLOB_UNKNOWN");
        assertThat(error.get("message").asText()).isEqualTo("blob unknown to registry");
        assertThat(error.get("detail").asText()).isEqualTo("no \"blob\" here");
    }

    @Test
    void errorCodes_haveTheSpecsStatuses() {
        assertThat(ErrorCode.NAME_INVALID.status().code()).isEqualTo(400);
        assertThat(ErrorCode.DIGEST_INVALID.status().code()).isEqualTo(400);
        assertThat(ErrorCode.MANIFEST_UNKNOWN.status().code()).isEqualTo(404);
        assertThat(ErrorCode.BLOB_UNKNOWN.status().code()).isEqualTo(404);
        assertThat(ErrorCode.UNSUPPORTED.status().code()).isEqualTo(405);
        assertThat(ErrorCode.TOOMANYREQUESTS.status().code()).isEqualTo(429);
    }
}
