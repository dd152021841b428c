package dev.soal.runtime;

import org.apache.spark.sql.Row;

import java.util.List;

/** Prints rows as a plain text table, the way {@code Dataset.show} does, into a string. */
final class Tables {
    private static final int MAX_CELL = 40;

    private Tables() {
    }

    static String format(String[] columns, List<Row> rows) {
        int[] width = new int[columns.length];
        String[][] cells = new String[rows.size()][columns.length];
        for (int c = 0; c < columns.length; c++) {
            width[c] = columns[c].length();
        }
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.length; c++) {
                Object v = rows.get(r).get(c);
                String s = v == null ? "NULL" : v.toString();
                if (s.length() > MAX_CELL) {
                    s = s.substring(0, MAX_CELL - 3) + "...";
                }
                cells[r][c] = s;
                width[c] = Math.max(width[c], s.length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, width);
        row(out, columns, width);
        line(out, width);
        for (String[] r : cells) {
            row(out, r, width);
        }
        line(out, width);
        return out.toString();
    }

    private static void line(StringBuilder out, int[] width) {
        for (int w : width) {
            out.append('+').append("-".repeat(w + 2));
        }
        out.append("+\n");
    }

    private static void row(StringBuilder out, String[] values, int[] width) {
        for (int c = 0; c < values.length; c++) {
            out.append("| ").append(values[c]).append(" ".repeat(width[c] - values[c].length() + 1));
        }
        out.append("|\n");
    }
}
