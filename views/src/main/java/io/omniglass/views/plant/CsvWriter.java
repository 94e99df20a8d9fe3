package io.omniglass.views.plant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * RFC 4180 rows: fields separated by commas, records by CRLF; a field holding a comma, a double
 * quote, CR or LF is enclosed in double quotes with its quotes doubled. No library of the project
 * writes CSV, and this is all the format asks.
 */
public final class CsvWriter {

    private final Writer out;

    public CsvWriter(Writer out) {
        this.out = out;
    }

    public void row(List<?> fields) {
        try {
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(field(fields.get(i)));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One field as it appears in the file; null is the empty field. */
    public static String field(Object value) {
        String s = value == null ? "" : value.toString();
        boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
