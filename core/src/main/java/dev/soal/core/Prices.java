package dev.soal.core;

import java.util.Locale;

/** List prices (us-east-1) and the cost of one run on each backend. */
public final class Prices {
    public static final double LAMBDA_GB_SECOND = 0.0000166667;
    public static final double LAMBDA_ARM_GB_SECOND = 0.0000133334;
    public static final double EMR_VCPU_HOUR = 0.052624;
    public static final double EMR_GB_HOUR = 0.0057785;
    /** EMR Serverless: 20 GB of storage per worker are free; storage above is billed at this rate. */
    public static final double EMR_STORAGE_GB_HOUR = 0.000111;
    public static final double GLUE_DPU_HOUR = 0.44;
    public static final double GLUE_FLEX_DPU_HOUR = 0.29;

    private Prices() {
    }

    public static Cost lambda(int memoryMb, long durationMillis) {
        double gbSeconds = memoryMb / 1024.0 * Math.ceil(durationMillis) / 1000.0;
        return new Cost(gbSeconds * LAMBDA_GB_SECOND,
                String.format(Locale.ROOT, "%.1f GB-s x $%s", gbSeconds, plain(LAMBDA_GB_SECOND)));
    }

    /** From EMR Serverless' {@code billedResourceUtilization} (the 1-minute minimum is already in it). */
    public static Cost emrServerless(double vcpuHours, double memoryGbHours, double storageGbHours) {
        double usd = vcpuHours * EMR_VCPU_HOUR + memoryGbHours * EMR_GB_HOUR + storageGbHours * EMR_STORAGE_GB_HOUR;
        return new Cost(usd, String.format(Locale.ROOT, "%.4f vCPU-h x $%s + %.4f GB-h x $%s + %.4f storage GB-h x $%s",
                vcpuHours, plain(EMR_VCPU_HOUR), memoryGbHours, plain(EMR_GB_HOUR), storageGbHours, plain(EMR_STORAGE_GB_HOUR)));
    }

    /**
     * Glue bills DPU-seconds, at least one minute of the run's DPUs. {@code reportedDpuSeconds} is Glue's
     * own figure (auto-scaling and FLEX runs report it); otherwise execution time x DPUs.
     */
    public static Cost glue(long executionSeconds, double dpus, Double reportedDpuSeconds, boolean flex) {
        double rate = flex ? GLUE_FLEX_DPU_HOUR : GLUE_DPU_HOUR;
        double dpuSeconds = Math.max(reportedDpuSeconds != null ? reportedDpuSeconds : executionSeconds * dpus, 60 * dpus);
        return new Cost(dpuSeconds / 3600.0 * rate, String.format(Locale.ROOT,
                "%.0f DPU-s (at least 1 min of %.2f DPU) x $%s/DPU-h%s", dpuSeconds, dpus, plain(rate), flex ? " (FLEX)" : ""));
    }

    private static String plain(double price) {
        return java.math.BigDecimal.valueOf(price).toPlainString();
    }
}
