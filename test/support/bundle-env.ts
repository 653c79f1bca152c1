/** Placeholder configuration for running a packaged bundle on its own (no secrets, no real endpoints). */
export const BUNDLE_ENV: Readonly<Record<string, string>> = {
  ACCESS_CATALOG: 'deploy/catalog.example.yaml',
  JIRA_BASE_URL: 'https://your-domain.atlassian.net',
  JIRA_EMAIL: 'bot@example.com',
  JIRA_API_TOKEN: 'placeholder',
  JIRA_WEBHOOK_SECRET: 'placeholder',
  SERVICENOW_INSTANCE_URL: 'https://your-instance.service-now.com',
  SERVICENOW_USER: 'placeholder',
  SERVICENOW_PASSWORD: 'placeholder',
  SERVICENOW_WEBHOOK_SECRET: 'placeholder',
  AWS_REGION: 'eu-west-1',
};
