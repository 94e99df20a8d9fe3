package io.omniglass.views.common;

import java.io.IOException;
import java.io.Writer;
import java.util.List;

/**
 * CSV as RFC 4180 says: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF,
 * quotes inside doubled. A null field is empty. A field starting with = + - @ is written as it
 * is: the file is data, and prefixing it would change the values a script reads back.
 */
public final class CsvWriter {

    private CsvWriter() {
    }

    public static void write(Writer out, List<String> header, List<List<String>> rows) throws IOException {
        writeRow(out, header);
        for (List<String> row : rows) {
            writeRow(out, row);
        }
        out.flush();
    }

    public static void writeRow(Writer out, List<String> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(field(fields.get(i)));
        }
        out.write("\r\n");
    }

    static String field(String v) {
        if (v == null) {
            return "";
        }
        boolean quote = v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0;
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }
}
