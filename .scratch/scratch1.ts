import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { EndpointCreate, EndpointParams } from '/work/main/src/http/schemas/webhooks.ts';
console.log(JSON.stringify(EndpointCreate.properties.headers));
const c = Compile(EndpointCreate);
console.log(c.Check({ url: 'x', headers: { 'bad name': 'v' } }), c.Check({ url: 'x', headers: { 'ok': 'a\nb' } }));
console.log(Compile(EndpointParams).Check({ endpointId: 'nope' }));
