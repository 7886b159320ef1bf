// React's Web-streams server renderer (react-dom/server.browser), typed like react-dom/server's.
declare module 'react-dom/server.browser' {
  export { renderToReadableStream } from 'react-dom/server';
}
