/**
 * Status from AWS's own word: EventBridge state changes of EMR Serverless and Glue runs, and the Spark
 * runtime Lambda's on-failure destination records.
 *
 * <pre>{@code
 * List<StatusEvents.Outcome> done = new StatusEvents(jobs).handle(eventJson);
 * }</pre>
 */
package dev.soal.router.status;
