package dev.longshore.proxy.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every event that named loggers (and their children) write while this is open, at a chosen level, as the text a
 * log file would hold: the formatted message and any stack trace. The previous levels come back on close.
 */
final class CapturedLogs implements AutoCloseable {

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Map<Logger, Level> previousLevels = new LinkedHashMap<>();

    private CapturedLogs() {
    }

    static CapturedLogs capture(Level level, String... loggerNames) {
        CapturedLogs logs = new CapturedLogs();
        logs.appender.start();
        for (String name : loggerNames) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logs.previousLevels.put(logger, logger.getLevel());
            logger.setLevel(level);
            logger.addAppender(logs.appender);
        }
        return logs;
    }

    /** One string per event: logger, level, formatted message, then the stack trace if there is one. */
    List<String> lines() {
        List<ILoggingEvent> events;
        synchronized (appender) { // AppenderBase.doAppend appends under this lock
            events = new ArrayList<>(appender.list);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : events) {
            StringBuilder line = new StringBuilder(e.getLoggerName()).append(' ').append(e.getLevel()).append(' ')
                    .append(e.getFormattedMessage());
            IThrowableProxy thrown = e.getThrowableProxy();
            if (thrown != null) {
                line.append('\n').append(ThrowableProxyUtil.asString(thrown));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    @Override
    public void close() {
        previousLevels.forEach((logger, level) -> {
            logger.detachAppender(appender);
            logger.setLevel(level);
        });
        appender.stop();
    }
}
