package dev.soal.router.aws;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.soal.router.api.ApiGatewayProxy;
import dev.soal.router.api.JobsApi;


/**
 * The jobs API as a Lambda behind API Gateway (REST API, proxy integration, IAM authorization).
 * Configuration from the environment: see {@link AwsRouterConfig}.
 */
public final class ApiFunction extends RouterFunction<APIGatewayProxyRequestEvent, APIGatewayProxyResponseEvent> {
    private final JobsApi api;

    public ApiFunction() {
        this(new JobsApi(AwsRuntime.fromEnvironment().jobs(), AwsRuntime.fromEnvironment().logs()), AwsRuntime.fromEnvironment()::flushMetrics);
    }

    ApiFunction(JobsApi api, Runnable afterEach) {
        super(afterEach);
        this.api = api;
    }

    /**
     * API Gateway waits 29 s for an answer (its integration timeout), then answers 504 itself: every request's
     * answer leaves within this, a dependency too slow for it gets 503 with Retry-After.
     */
    static final java.time.Duration ANSWER_WITHIN = java.time.Duration.ofSeconds(25);

    @Override
    dev.soal.core.Deadline deadline(com.amazonaws.services.lambda.runtime.Context context) {
        dev.soal.core.Deadline function = super.deadline(context);
        return dev.soal.core.Deadline.in(function.cap(ANSWER_WITHIN), "the API's answer");
    }

    @Override
    APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent event) {
        return ApiGatewayProxy.response(api.handle(ApiGatewayProxy.request(event)));
    }
}
