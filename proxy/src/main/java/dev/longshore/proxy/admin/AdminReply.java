package dev.longshore.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.netty.handler.codec.http.HttpResponseStatus;

/** An admin listener answer: a status and a JSON body, or a text body for {@code /metrics}. */
record AdminReply(HttpResponseStatus status, String contentType, String body) {
    static final String JSON_TYPE = "application/json";

    static AdminReply json(HttpResponseStatus status, JsonNode body) {
        return new AdminReply(status, JSON_TYPE, body.toString());
    }

    static AdminReply ok(JsonNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    /** {@code {"error": "..."}} */
    static AdminReply error(HttpResponseStatus status, String message) {
        return json(status, JsonNodeFactory.instance.objectNode().put("error", message));
    }
}
