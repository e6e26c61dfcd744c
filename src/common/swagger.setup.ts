import type { INestApplication } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { addAuthSchemes, keepConfiguredSchemes, rateLimitBasis } from '../auth/auth.api-docs';
import { authConfig } from '../config/auth.config';
import { ErrorBody } from './errors/error-body.dto';

/**
 * Swagger UI at /api/docs, the OpenAPI document at /api/docs-json and /api/docs-yaml.
 * Both are served by Express outside Nest's routing, so the auth guard never sees them: they are public.
 */
export function setupSwagger(app: INestApplication): void {
  const auth = app.get<ConfigType<typeof authConfig>>(authConfig.KEY);
  const builder = new DocumentBuilder()
    .setTitle('Chat backend')
    .setDescription(
      `Send a message, get the answer; one conversation per user_id. ${rateLimitBasis(auth)} ` +
        'Every error has the `ErrorBody` shape; every response carries `X-Request-Id`.',
    )
    .setVersion('1');
  const document = SwaggerModule.createDocument(app, addAuthSchemes(builder, auth).build(), { extraModels: [ErrorBody] });
  keepConfiguredSchemes(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
}
