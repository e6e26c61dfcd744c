import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ErrorBody } from './errors/error-body.dto';

/** Swagger UI at /api/docs, the OpenAPI document at /api/docs-json and /api/docs-yaml. */
export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat backend')
      .setDescription(
        'Send a message, get the answer; one conversation per user_id. Chat routes are rate limited per client IP. ' +
          'Every error has the `ErrorBody` shape; every response carries `X-Request-Id`.',
      )
      .setVersion('1')
      .build(),
    { extraModels: [ErrorBody] },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
}
