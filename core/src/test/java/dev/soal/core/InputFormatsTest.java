package dev.soal.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An input's format and compression, told from its key as Spark and people name files. */
class InputFormatsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "listings.csv, csv",
            "data/2026/12/07/events.json.gz, json.gzip",
            "logs/app.log.zst, text.zstd",
            "dump.tsv.bz2, csv.bzip2",
            "x/part-00000-1b2c.c000.snappy.parquet, parquet",
            "x/part-00000-1b2c.c000.zstd.parquet, parquet",
            "x/part-00000-1b2c.c000.csv.gz, csv.gzip",
            "x/part-00003.orc, orc",
            "x/users.avro, avro",
            "x/part-00000, unknown",
            "x/archive.gz, unknown.gzip",
            "x/_SUCCESS, marker",
            "x/.part-00000.csv.crc, marker",
            "X/UPPER.CSV.GZ, csv.gzip",
    })
    void theFormatOfAKey(String key, String format) {
        assertThat(InputFormats.of(key)).isEqualTo(format);
    }

    @org.junit.jupiter.api.Test
    void theMainFormat_isWhereMostBytesAre_markersLeftOut() {
        assertThat(new Measurement(10, 3, 0, Map.of("csv.gzip", 8L, "csv", 1L, "marker", 1L)).mainFormat()).isEqualTo("csv.gzip");
        assertThat(new Measurement(10, 1, 0).mainFormat()).isEqualTo(InputFormats.UNKNOWN);
        assertThat(InputFormats.formatOf("csv.gzip")).isEqualTo("csv");
        assertThat(InputFormats.compressionOf("csv.gzip")).isEqualTo("gzip");
        assertThat(InputFormats.compressionOf("parquet")).isNull();
    }
}
