package io.omniglass.views.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * The console's one CSV writer (every export: current values, alarms, the journal, lineage), as
 * RFC 4180 says: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF, quotes
 * inside doubled; a null field is empty. A field a spreadsheet would run as a formula (leading
 * {@code = + @}, a tab or CR, or {@code -} not starting a number) gets a leading apostrophe:
 * reasons and messages are typed by operators and devices, and opening an export must not run them.
 */
public final class CsvWriter {

    private final Writer out;

    /** A writer of rows onto {@code out} (an I/O failure is unchecked: exports run as background tasks). */
    public CsvWriter(Writer out) {
        this.out = out;
    }

    public void row(List<?> fields) {
        try {
            writeRow(out, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Writer out, List<String> header, List<List<String>> rows) throws IOException {
        writeRow(out, header);
        for (List<String> row : rows) {
            writeRow(out, row);
        }
        out.flush();
    }

    public static void writeRow(Writer out, List<?> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(field(fields.get(i)));
        }
        out.write("\r\n");
    }

    /** One field as it appears in the file. */
    public static String field(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        if (!s.isEmpty() && ("=+@\t\r".indexOf(s.charAt(0)) >= 0
                || s.charAt(0) == '-' && (s.length() == 1 || !Character.isDigit(s.charAt(1))))) {
            s = "'" + s;
        }
        boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
