// The app's own OpenAPI 3.0 document, served at /docs/openapi.json.
const error = { $ref: '#/components/schemas/Error' };
const json = (schema: unknown) => ({ 'application/json': { schema } });

export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Riverside Clinic booking API',
      version: '2.4.0',
      description: 'Appointments, availability, health and the Cal.com webhook of the booking application.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'laravel_session' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-TOKEN' },
        calSignature: { type: 'apiKey', in: 'header', name: 'X-Cal-Signature-256' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['message'],
          properties: {
            message: { type: 'string' },
            errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          },
        },
        AppointmentInput: {
          type: 'object',
          required: ['patient_name', 'patient_email', 'starts_at'],
          properties: {
            patient_name: { type: 'string', maxLength: 200 },
            patient_email: { type: 'string', format: 'email' },
            starts_at: { type: 'string', description: 'ISO 8601 date-time, or datetime-local (UTC)' },
            notes: { type: 'string', maxLength: 2000 },
            idempotency_key: { type: 'string', description: 'A repeat returns the existing appointment' },
          },
        },
        Appointment: {
          type: 'object',
          required: ['id', 'idempotency_key', 'status', 'starts_at'],
          properties: {
            id: { type: 'integer' },
            idempotency_key: { type: 'string' },
            calcom_booking_uid: { type: 'string', nullable: true },
            status: {
              type: 'string',
              enum: ['confirmed', 'pending', 'cancelled', 'completed', 'rejected', 'pending_sync'],
            },
            starts_at: { type: 'string', format: 'date-time' },
            patient_name: { type: 'string' },
            client_email: { type: 'string' },
          },
        },
        Health: {
          type: 'object',
          required: ['status', 'timestamp'],
          properties: {
            status: { type: 'string', enum: ['ok', 'error'] },
            timestamp: { type: 'string', format: 'date-time' },
          },
        },
        DetailedHealth: {
          type: 'object',
          required: ['status', 'timestamp', 'checks'],
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded'] },
            timestamp: { type: 'string', format: 'date-time' },
            checks: { type: 'object', additionalProperties: { type: 'object' } },
          },
        },
        Availability: {
          type: 'object',
          required: ['date', 'slots'],
          properties: {
            date: { type: 'string', format: 'date' },
            slots: { type: 'array', items: { type: 'string', format: 'date-time' } },
          },
        },
      },
    },
    paths: {
      '/appointments': {
        post: {
          summary: 'Create an appointment (and its Cal.com booking)',
          security: [{ session: [], csrf: [] }],
          requestBody: {
            required: true,
            content: {
              ...json({ $ref: '#/components/schemas/AppointmentInput' }),
              'application/x-www-form-urlencoded': {
                schema: { $ref: '#/components/schemas/AppointmentInput' },
              },
            },
          },
          responses: {
            '200': {
              description: 'Repeat of an idempotency key',
              content: json({ $ref: '#/components/schemas/Appointment' }),
            },
            '201': { description: 'Created', content: json({ $ref: '#/components/schemas/Appointment' }) },
            '302': { description: 'Form post: redirect to the appointment' },
            '419': { description: 'CSRF token mismatch', content: json(error) },
            '422': { description: 'Validation failed', content: json(error) },
          },
        },
      },
      '/appointments/{id}': {
        get: {
          summary: 'One appointment',
          security: [{ session: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': {
              description: 'The appointment',
              content: json({ $ref: '#/components/schemas/Appointment' }),
            },
            '404': { description: 'Not found', content: json(error) },
          },
        },
      },
      '/api/appointments': {
        get: {
          summary: 'Appointments of a day',
          security: [{ session: [] }],
          parameters: [
            { name: 'date', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
          ],
          responses: {
            '200': {
              description: "The day's appointments",
              content: json({ type: 'array', items: { $ref: '#/components/schemas/Appointment' } }),
            },
          },
        },
      },
      '/api/availability': {
        get: {
          summary: 'Free slots of a day (cached)',
          parameters: [
            { name: 'date', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
          ],
          responses: {
            '200': {
              description: 'Free slots',
              content: json({ $ref: '#/components/schemas/Availability' }),
            },
            '422': { description: 'Bad date', content: json(error) },
          },
        },
      },
      '/api/health': {
        get: {
          summary: 'Liveness',
          responses: {
            '200': { description: 'Up', content: json({ $ref: '#/components/schemas/Health' }) },
            '503': { description: 'Down', content: json({ $ref: '#/components/schemas/Health' }) },
          },
        },
      },
      '/api/health/detailed': {
        get: {
          summary: 'Dependencies: database, cache, Cal.com, circuit breaker, queue, worker',
          responses: {
            '200': { description: 'Health', content: json({ $ref: '#/components/schemas/DetailedHealth' }) },
          },
        },
      },
      '/api/webhooks/calcom': {
        post: {
          summary: 'Cal.com webhook (signed, deduplicated)',
          security: [{ calSignature: [] }],
          requestBody: { required: true, content: json({ type: 'object' }) },
          responses: {
            '200': {
              description: 'Received',
              content: json({
                type: 'object',
                properties: { received: { type: 'boolean' }, duplicate: { type: 'boolean' } },
              }),
            },
            '401': { description: 'Invalid signature', content: json(error) },
          },
        },
      },
    },
  };
}
