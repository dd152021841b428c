package dev.soal.router.api;

import dev.soal.core.Backend;
import dev.soal.core.JobRecord;
import dev.soal.core.JobState;
import dev.soal.core.JobStore;
import dev.soal.router.JobService;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /jobs} with filters the store's index does not hold (the backend, the trigger or stream a job came
 * from): the store's pages, newest first, read on until {@code limit} jobs match, {@link #MAX_SCANNED} were looked
 * at or {@link #MAX_CALLS} pages were asked for. A page may then hold fewer than {@code limit} jobs (even none) and still a {@code nextToken}: the scan goes on from
 * there, as DynamoDB's filtered queries do.
 */
final class ListFilter {
    /** The most jobs one request reads from the store. */
    static final int MAX_SCANNED = 1_000;
    /** The most pages one request asks the store for: each is a listing of the index, whatever its size. */
    static final int MAX_CALLS = 10;

    private ListFilter() {
    }

    static JobsApi.Page page(JobService jobs, JobState state, Backend backend, String trigger, int limit, String token) {
        if (backend == null && trigger == null) {
            JobStore.Page page = jobs.list(state, limit, token);
            return new JobsApi.Page(page.jobs().stream().map(JobView::of).toList(), page.nextToken());
        }
        List<JobView> out = new ArrayList<>();
        int scanned = 0;
        int calls = 0;
        String next = token;
        do {
            calls++;
            JobStore.Page page = jobs.list(state, Math.min(JobsApi.MAX_LIMIT, limit - out.size()), next);
            for (JobRecord j : page.jobs()) {
                scanned++;
                if (matches(j, backend, trigger)) {
                    out.add(JobView.of(j));
                }
            }
            next = page.nextToken();
        } while (next != null && out.size() < limit && scanned < MAX_SCANNED && calls < MAX_CALLS);
        return new JobsApi.Page(out, next);
    }

    /** The job ran (or runs) on {@code backend}, and came from the trigger or stream named {@code trigger}. */
    static boolean matches(JobRecord j, Backend backend, String trigger) {
        if (backend != null && j.decision().backend() != backend) {
            return false;
        }
        return trigger == null || trigger.equals(j.request().tags().get("trigger")) || trigger.equals(j.request().tags().get("stream"));
    }
}
