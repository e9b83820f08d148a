import { App } from 'aws-cdk-lib';
import { ContactCenterStack } from './contact-center-stack';

// Environment-agnostic on purpose: no account/region lookups, so `cdk synth` works offline.
// Account and region come from the deploying credentials (`cdk deploy`).
const app = new App();

new ContactCenterStack(app, 'ContactCenter', {
  description: 'Contact center backend for banks: HTTP API, DynamoDB table, notification queue, workers.',
});

app.synth();
