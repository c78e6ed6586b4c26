package dev.longshore.proxy.pull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longshore.proxy.api.ErrorCode;
import dev.longshore.proxy.fill.UpstreamFailures;
import dev.longshore.proxy.http.Replies;
import dev.longshore.proxy.http.Reply;
import dev.longshore.proxy.upstream.UpstreamRequest;
import dev.longshore.storage.CacheStorage;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringEncoder;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code GET /v2/<name>/tags/list}: the upstream's list, with {@code n}, {@code last} and its {@code Link} header
 * passed through. When the upstream cannot be reached, the tags this cache holds are listed instead, paginated the
 * same way, and marked {@code fwd=stale}.
 */
public final class TagListService {
    /** Some repositories have tens of thousands of tags; a list past this is refused rather than buffered. */
    private static final int MAX_LIST_BYTES = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LINK = "Link";

    private final CacheStorage storage;
    private final Executor storageExecutor;

    public TagListService(CacheStorage storage, Executor storageExecutor) {
        this.storage = storage;
        this.storageExecutor = storageExecutor;
    }

    private record TagList(String name, List<String> tags) {
    }

    public CompletableFuture<Reply> get(PullRequest request) {
        QueryStringEncoder path = new QueryStringEncoder("/v2/" + request.name() + "/tags/list");
        for (String parameter : List.of("n", "last")) {
            for (String value : request.query().getOrDefault(parameter, List.of())) {
                path.addParam(parameter, value);
            }
        }
        var upstreamRequest = new UpstreamRequest(HttpMethod.GET, path.toString(), new DefaultHttpHeaders(), request.pullScope());
        return request.upstream().fetch(upstreamRequest, MAX_LIST_BYTES).handleAsync((response, error) -> {
            if (error != null || response.status() >= 500) {
                return cached(request);
            }
            if (response.status() != 200) {
                throw UpstreamFailures.status(request.upstream(), response.status(), ErrorCode.NAME_UNKNOWN,
                        "repository " + request.name());
            }
            HttpHeaders headers = new DefaultHttpHeaders();
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            String link = response.headers().get(LINK);
            if (link != null) {
                headers.set(LINK, link);
            }
            return new Reply.Bytes(HttpResponseStatus.OK, Replies.cacheStatus(headers, "fwd=miss"), response.body());
        }, storageExecutor);
    }

    private Reply cached(PullRequest request) {
        List<String> all = storage.index().tags(request.upstreamName(), request.name().value());
        if (all.isEmpty() && request.upstream().offline()) {
            throw new dev.longshore.proxy.api.RegistryException(ErrorCode.NAME_UNKNOWN,
                    "the mirror is offline (--offline) and has no cached tags of " + request.name());
        }
        if (all.isEmpty()) {
            throw new dev.longshore.proxy.api.RegistryException(ErrorCode.UPSTREAM_UNAVAILABLE,
                    "upstream " + request.upstreamName() + " is unavailable and no tags of " + request.name() + " are cached");
        }
        Map<String, List<String>> query = request.query();
        String last = query.getOrDefault("last", List.of("")).get(0);
        List<String> after = all.stream().filter(tag -> tag.compareTo(last) > 0).toList();
        int n = parseN(query);
        List<String> page = after.subList(0, Math.min(n, after.size()));
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        if (page.size() < after.size()) {
            QueryStringEncoder next = new QueryStringEncoder("/v2/" + request.name() + "/tags/list");
            next.addParam("n", Integer.toString(n));
            next.addParam("last", page.get(page.size() - 1));
            headers.set(LINK, "<" + next + ">; rel=\"next\"");
        }
        try {
            byte[] body = JSON.writeValueAsBytes(new TagList(request.name().value(), page));
            return new Reply.Bytes(HttpResponseStatus.OK, Replies.cacheStatus(headers, "fwd=stale"), body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: a record of strings always serializes", e);
        }
    }

    private static int parseN(Map<String, List<String>> query) {
        try {
            int n = Integer.parseInt(query.getOrDefault("n", List.of(Integer.toString(Integer.MAX_VALUE))).get(0));
            return n < 0 ? Integer.MAX_VALUE : n;
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
