/** `npm run example`: the sign-in example app at http://localhost:3000 (dev/example-app.ts). */
import { exampleApp } from '../dev/example-app';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? 'localhost';
exampleApp().listen(port, host, () => console.log(`sign-in example: http://${host}:${port}`));
