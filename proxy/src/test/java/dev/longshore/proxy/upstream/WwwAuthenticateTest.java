package dev.longshore.proxy.upstream;

import dev.longshore.proxy.upstream.WwwAuthenticate.Challenge;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WwwAuthenticateTest {

    @Test
    void parsesDockerHubBearerChallenge() {
        List<Challenge> challenges = WwwAuthenticate.parse(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\"");

        assertThat(challenges).hasSize(1);
        Challenge bearer = challenges.get(0);
        assertThat(bearer.isScheme("bearer")).isTrue();
        assertThat(bearer.realm()).contains("https://auth.docker.io/token");
        assertThat(bearer.service()).contains("registry.docker.io");
        assertThat(bearer.scopes()).containsExactly("repository:library/alpine:pull");
    }

    @Test
    void keepsCommasInsideQuotedValues() {
        Challenge bearer = WwwAuthenticate.parse(
                "Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:a/b:pull,push\"").get(0);

        assertThat(bearer.scopes()).containsExactly("repository:a/b:pull,push");
        assertThat(bearer.service()).contains("ghcr.io");
    }

    @Test
    void collectsSeveralScopesWhetherRepeatedOrSpaceSeparated() {
        Challenge repeated = WwwAuthenticate.parse(
                "Bearer realm=\"https://r/token\", scope=\"repository:a:pull\", scope=\"repository:b:pull,push\"").get(0);
        Challenge spaced = WwwAuthenticate.parse(
                "Bearer realm=\"https://r/token\",scope=\"repository:a:pull repository:b:pull,push\"").get(0);

        assertThat(repeated.scopes()).containsExactly("repository:a:pull", "repository:b:pull,push");
        assertThat(spaced.scopes()).containsExactly("repository:a:pull", "repository:b:pull,push");
    }

    @Test
    void unescapesQuotedPairs() {
        Challenge basic = WwwAuthenticate.parse("Basic realm=\"say \\\"hi\\\", \\\\ friend\"").get(0);

        assertThat(basic.realm()).contains("say \"hi\", \\ friend");
    }

    @Test
    void acceptsUnquotedValuesIncludingUrls() {
        Challenge bearer = WwwAuthenticate.parse("Bearer realm=https://auth.example/token, service=example , error=invalid_token").get(0);

        assertThat(bearer.realm()).contains("https://auth.example/token");
        assertThat(bearer.service()).contains("example");
        assertThat(bearer.param("error")).contains("invalid_token");
        assertThat(bearer.param("ERROR")).contains("invalid_token");
    }

    @Test
    void reportsMissingRealm() {
        Challenge bearer = WwwAuthenticate.parse("Bearer service=\"registry\",scope=\"repository:a:pull\"").get(0);
        Challenge empty = WwwAuthenticate.parse("Bearer realm=\"\"").get(0);

        assertThat(bearer.realm()).isEmpty();
        assertThat(empty.realm()).isEmpty();
        assertThat(bearer.scopes()).containsExactly("repository:a:pull");
    }

    @Test
    void splitsSeveralChallengesInOneHeader() {
        List<Challenge> challenges = WwwAuthenticate.parse(
                "Basic realm=\"registry, inc\", Bearer realm=\"https://r/token\",service=\"s\", Negotiate");

        assertThat(challenges).extracting(Challenge::scheme).containsExactly("Basic", "Bearer", "Negotiate");
        assertThat(challenges.get(0).realm()).contains("registry, inc");
        assertThat(challenges.get(1).realm()).contains("https://r/token");
        assertThat(challenges.get(1).service()).contains("s");
        assertThat(challenges.get(2).params()).isEmpty();
    }

    @Test
    void schemeWithoutParameters() {
        assertThat(WwwAuthenticate.parse("Basic")).singleElement()
                .satisfies(c -> assertThat(c.params()).isEmpty());
    }

    @Test
    void toleratesGarbage() {
        assertThat(WwwAuthenticate.parse(null)).isEmpty();
        assertThat(WwwAuthenticate.parse("")).isEmpty();
        assertThat(WwwAuthenticate.parse(" , ,")).isEmpty();
        assertThat(WwwAuthenticate.parse("Bearer realm=\"unterminated").get(0).realm()).contains("unterminated");
        assertThat(WwwAuthenticate.parse("Bearer realm=").get(0).param("realm")).contains("");
        assertThat(WwwAuthenticate.parse("\"junk\" Bearer realm=x")).extracting(Challenge::scheme).contains("Bearer");
    }
}
