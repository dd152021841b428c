package dev.soal.runtime;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a Hudi table's columns and partitions are in the Glue Data Catalog ({@link HudiGlueTables}). */
class HudiGlueTablesTest {
    @Test
    void avroTypes_asTheHiveTypesGlueHolds_nullableAndNested() {
        Schema s = new Schema.Parser().parse("""
                {"type": "record", "name": "r", "fields": [
                  {"name": "Id", "type": ["null", "long"]},
                  {"name": "ok", "type": "boolean"},
                  {"name": "n", "type": "int"},
                  {"name": "f", "type": "float"},
                  {"name": "price", "type": ["null", {"type": "fixed", "name": "p", "size": 5, "logicalType": "decimal", "precision": 10, "scale": 2}]},
                  {"name": "raw", "type": "bytes"},
                  {"name": "at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
                  {"name": "kind", "type": {"type": "enum", "name": "k", "symbols": ["A", "B"]}},
                  {"name": "tags", "type": {"type": "array", "items": ["null", "string"]}},
                  {"name": "attrs", "type": {"type": "map", "values": "double"}},
                  {"name": "addr", "type": {"type": "record", "name": "a", "fields": [
                    {"name": "City", "type": "string"}, {"name": "zip", "type": ["null", "int"]}]}}
                ]}""");
        List<String> types = s.getFields().stream().map(f -> f.name() + " " + HudiGlueTables.hiveType(f.schema())).toList();
        assertThat(types).containsExactly("Id bigint", "ok boolean", "n int", "f float", "price decimal(10,2)", "raw binary",
                "at timestamp", "day date", "kind string", "tags array<string>", "attrs map<string,double>",
                "addr struct<city:string,zip:int>");
        assertThatThrownBy(() -> HudiGlueTables.hiveType(new Schema.Parser().parse("[\"int\", \"string\"]")))
                .hasMessageContaining("has no Hive type");
    }

    @Test
    void partitionPaths_hiveStyleOrNot_asValues_unescapedOnlyWhereTheTableEscapes() {
        List<String> dayRegion = List.of("day", "region");
        assertThat(HudiGlueTables.partitionValues("day=2026-12-07/region=eu", dayRegion, false)).containsExactly("2026-12-07", "eu");
        assertThat(HudiGlueTables.partitionValues("2026-12-07/eu", dayRegion, false)).containsExactly("2026-12-07", "eu");
        // a value with '=' in it, not Hive-style: kept whole
        assertThat(HudiGlueTables.partitionValues("a=b/eu", dayRegion, false)).containsExactly("a=b", "eu");
        assertThat(HudiGlueTables.partitionValues("at=2026-12-07 10%3A00", List.of("at"), true)).containsExactly("2026-12-07 10:00");
        assertThat(HudiGlueTables.partitionValues("at=a+b%3A", List.of("at"), false)).containsExactly("a+b%3A");
        assertThatThrownBy(() -> HudiGlueTables.partitionValues("2026/12/07", List.of("day"), false))
                .hasMessageContaining("partition path 2026/12/07 does not have 1 parts [day]");
    }

    @Test
    void locations_asAthenaNamesThem() {
        assertThat(HudiGlueTables.location("s3a://soal-data/hudi/shop/orders/")).isEqualTo("s3://soal-data/hudi/shop/orders");
        assertThat(HudiGlueTables.location("s3://soal-data/hudi/orders")).isEqualTo("s3://soal-data/hudi/orders");
    }
}
