package dev.longshore.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects every problem found while reading settings, so that one run of {@code config check} (or a failed start)
 * names all bad keys at once instead of one per attempt.
 */
public final class SettingsProblems {
    private final List<SettingsException> problems = new ArrayList<>();

    /** Runs {@code step}; a {@link SettingsException} it throws is recorded and {@code fallback} returned instead. */
    public <T> T attempt(Supplier<T> step, T fallback) {
        try {
            return step.get();
        } catch (SettingsException e) {
            add(e);
            return fallback;
        }
    }

    /** Runs {@code step}, recording a {@link SettingsException} it throws. */
    public void attempt(Runnable step) {
        try {
            step.run();
        } catch (SettingsException e) {
            add(e);
        }
    }

    /** Records each problem once: loaders that read the same file or variable must not report it twice. */
    public void add(SettingsException problem) {
        for (SettingsException one : problem.problems()) {
            if (problems.stream().noneMatch(known -> known.getMessage().equals(one.getMessage()))) {
                problems.add(one);
            }
        }
    }

    public void add(String key, String problem) {
        add(new SettingsException(key, problem));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<SettingsException> all() {
        return List.copyOf(problems);
    }

    /** Throws one exception naming every problem, if there is any. */
    public void throwIfAny() {
        if (problems.size() == 1) {
            throw problems.get(0);
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(problems);
        }
    }
}
