package dev.longshore.proxy.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The spec's error body: {@code {"errors":[{"code":..., "message":..., "detail":...}]}}. */
public final class ErrorBody {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String code, String message, String detail) {
    }

    private record Errors(List<Entry> errors) {
    }

    private ErrorBody() {
    }

    public static byte[] of(ErrorCode code, String detail) {
        try {
            return JSON.writeValueAsString(new Errors(List.of(new Entry(code.name(), code.message(), detail))))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: records of strings always serialize", e);
        }
    }
}
