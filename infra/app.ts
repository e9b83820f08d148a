import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineContactCenter } from './contact-center-app';

// `-c stage=dev|staging|prod` (default dev). The main stack is environment-agnostic on purpose: no account
// or region lookups, so `cdk synth` works offline; the edge stack is pinned to us-east-1 (AWS WAF for
// CloudFront). Account and region come from the deploying credentials (`cdk deploy`).
const app = new App();
defineContactCenter(app);

// cdk-nag's AwsSolutions rules run on every synth: an unacknowledged finding stops it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
